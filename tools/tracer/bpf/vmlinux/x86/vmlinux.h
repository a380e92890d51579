/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlinux.h - the kernel types percpu_locks.bpf.c uses, and nothing else,
 * for x86_64.  Vendored, as libbpf-tools vendors its vmlinux.h, so that
 * building the tracer needs no kernel BTF on the build machine: CO-RE
 * (preserve_access_index) makes libbpf relocate every field offset below
 * against the running kernel's BTF at load time, so only the names and
 * types of the fields read have to be right, not the layouts.
 *
 * The fields are those of Debian's 6.1 (which has the 6.2 additions
 * bytes_alloc and call_site in percpu_alloc_percpu: the program checks
 * for them with bpf_core_field_exists() anyway), as "bpftool btf dump
 * file /sys/kernel/btf/vmlinux format c" prints them.  A type the program
 * starts to use goes here too; or configure with
 * -DSHADOWSLAB_TRACER_BTF=/path/to/vmlinux to generate a full vmlinux.h
 * from a kernel's BTF instead.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

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
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

/* kprobe context: bpf_tracing.h's PT_REGS_*() for __TARGET_ARCH_x86. */
struct pt_regs {
	long unsigned int r15;
	long unsigned int r14;
	long unsigned int r13;
	long unsigned int r12;
	long unsigned int bp;
	long unsigned int bx;
	long unsigned int r11;
	long unsigned int r10;
	long unsigned int r9;
	long unsigned int r8;
	long unsigned int ax;
	long unsigned int cx;
	long unsigned int dx;
	long unsigned int si;
	long unsigned int di;
	long unsigned int orig_ax;
	long unsigned int ip;
	long unsigned int cs;
	long unsigned int flags;
	long unsigned int sp;
	long unsigned int ss;
};

struct trace_entry {
	short unsigned int type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* lock:contention_begin and lock:contention_end (6.0 and later). */
struct trace_event_raw_contention_begin {
	struct trace_entry ent;
	void *lock_addr;
	unsigned int flags;
	char __data[0];
};

struct trace_event_raw_contention_end {
	struct trace_entry ent;
	void *lock_addr;
	int ret;
	char __data[0];
};

/* percpu:percpu_alloc_percpu and percpu:percpu_free_percpu. */
struct trace_event_raw_percpu_alloc_percpu {
	struct trace_entry ent;
	long unsigned int call_site;
	bool reserved;
	bool is_atomic;
	size_t size;
	size_t align;
	void *base_addr;
	int off;
	void *ptr;
	size_t bytes_alloc;
	long unsigned int gfp_flags;
	char __data[0];
};

struct trace_event_raw_percpu_free_percpu {
	struct trace_entry ent;
	void *base_addr;
	int off;
	void *ptr;
	char __data[0];
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
