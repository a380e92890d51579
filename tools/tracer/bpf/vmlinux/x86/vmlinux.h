/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlinux.h - the kernel types percpu_locks.bpf.c uses, and nothing else,
 * for x86_64.  Vendored, as libbpf-tools vendors its vmlinux.h, so that
 * building the tracer needs no kernel BTF on the build machine.  The
 * programs read no kernel struct: their BTF tracepoint and fentry
 * arguments are checked against the running kernel's BTF when they load,
 * so only the base types and the UAPI values below are needed.  A type the
 * program starts to use goes here too; or configure with
 * -DSHADOWSLAB_TRACER_BTF=/path/to/vmlinux to generate a full vmlinux.h
 * from a kernel's BTF instead.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

typedef signed char __s8;
typedef unsigned char __u8;
typedef short int __s16;
typedef short unsigned int __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long int __s64;
typedef long long unsigned int __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;

enum {
	false = 0,
	true = 1,
};
typedef long unsigned int size_t;

/* The values are UAPI (include/uapi/linux/bpf.h), the same everywhere. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

#endif /* __VMLINUX_H__ */
