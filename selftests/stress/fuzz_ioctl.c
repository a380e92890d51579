// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl - a seeded ioctl fuzzer for /dev/shadowslab.
 *
 * At least 100,000 * STRESS_SCALE calls the module rejects ("bad inputs"),
 * or FUZZ_BAD_INPUTS when set (run_stress.sh --fuzz-inputs: the debug lane
 * keeps the full 100,000 while it scales everything else down),
 * plus the ones it accepts, drawn from a PRNG whose seed is printed
 * (STRESS_SEED=N reproduces a run):
 *
 *  - raw commands: any type (mostly the module's), any number, every
 *    direction, sizes 0, 1, 16383, every struct's size, and random ones;
 *    the argument zeros, 0xff, random bytes or a structured one;
 *  - every known command with each field drawn from 0, 1, max, max - 1,
 *    random and field-specific edges (sizes, profiles, regions, ids, CPU
 *    lists, pointers), wrong sizes (shorter than VER0, longer with a zero
 *    or a non-zero tail) and the wrong direction;
 *  - argument and nested pointers (cpus_ptr, results_ptr, ids_ptr) NULL,
 *    PROT_NONE, straddling into a PROT_NONE page, misaligned, kernel and
 *    non-canonical addresses;
 *  - CACHE_* on live, destroyed and random ids; RUN with tiny runs only
 *    (cycles <= 100, warm-up <= 10, duration <= 1 ms: values inside the
 *    ABI's limits are clamped there, values outside stay and must fail).
 *  - CACHE_FAULT with each mode's own fields and now and then a field
 *    the mode does not take, or a non-zero reserved: EINVAL exactly then.
 *
 * What every call must do, from the ABI header: an unknown command (or a
 * known number with the wrong direction) ENOTTY; a known one with a size
 * below VER0 EINVAL; an unreadable argument EFAULT (E2BIG if the tail
 * check meets a non-zero byte first); a larger struct with a non-zero tail
 * E2BIG; otherwise only the errnos that command documents.  Calls that
 * succeed are checked too: STATS identities, DESTROY balance, RUN results,
 * INFO, RUN_PROGRESS idle.
 *
 * The fuzzer keeps memory bounded: ALLOC on a live cache is clamped to a
 * per-cache budget of percpu memory (an ALLOC beyond it goes to a cache
 * whose constructor always fails, so huge counts are still exercised), and
 * caches are purged or destroyed when the budget or 48 caches are reached.
 * Every cache it created (tracked from the CREATE and DESTROY results, and
 * by LIST) is destroyed at the end, held objects freed first; then the
 * module-wide INFO percpu_allocs must equal percpu_frees (as before), LIST
 * must be as before (empty), and a short functional check (create, alloc,
 * free, destroy balance, one RUN) must pass.
 *
 * Last line: "# stress-summary: bad_inputs=N".
 */
#include "stress.h"

#include <sys/mman.h>

#define TARGET_BAD		100000ULL
#define MAINT_EVERY		512
#define MAX_VIOLATIONS_SHOWN	25
/*
 * A safety net, not a measure: well above the 100,000 calls under the debug
 * kernel on a loaded 2-core host (919 s there with three guests sharing the
 * cores hit the old 900 s cap), well below run_stress.sh's timeout there.
 */
#define FUZZ_TIME_CAP_S		2700

#define CHEAP_CYCLES		100ULL
#define CHEAP_WARMUP		10ULL
#define CHEAP_DURATION_NS	1000000ULL
#define CHEAP_LIVE		64U

#define CACHE_BUDGET_BYTES	(4ULL << 20)	/* percpu, per cache */
#define CACHE_BUDGET_OBJS	512ULL
#define TOTAL_BUDGET_BYTES	(48ULL << 20)
#define MAX_LIVE_CACHES		48

#define ARENA_BYTES		(5 * 4096)	/* >= 16383 + misalignment */
#define NONE_BYTES		(5 * 4096)
#define RES_BYTES		(4 * 4096)	/* nr_cpus * result_size max */

/* ------------------------------------------------------------ commands */

enum {
	K_INFO, K_CREATE, K_DESTROY, K_ALLOC, K_FREE, K_SHRINK, K_STATS,
	K_LIST, K_FAULT, K_RUN, K_PROGRESS, NR_KNOWN
};

#define E(x)	(1ULL << (x))

static const struct known {
	const char *name;
	unsigned int cmd;
	unsigned int ver0;
	u64 allowed;		/* errnos the handler may return, and 0 */
} known[NR_KNOWN] = {
	[K_INFO] = { "INFO", SHADOWSLAB_IOC_INFO, SHADOWSLAB_INFO_SIZE_VER0,
		     E(0) },
	[K_CREATE] = { "CACHE_CREATE", SHADOWSLAB_IOC_CACHE_CREATE,
		       SHADOWSLAB_CACHE_CREATE_SIZE_VER0,
		       E(0) | E(EINVAL) | E(EEXIST) | E(ENOSPC) | E(ENOMEM) },
	[K_DESTROY] = { "CACHE_DESTROY", SHADOWSLAB_IOC_CACHE_DESTROY,
			SHADOWSLAB_CACHE_DESTROY_SIZE_VER0,
			E(0) | E(EINVAL) | E(ENOENT) | E(EBUSY) },
	[K_ALLOC] = { "CACHE_ALLOC", SHADOWSLAB_IOC_CACHE_ALLOC,
		      SHADOWSLAB_CACHE_OBJS_SIZE_VER0,
		      E(0) | E(EINVAL) | E(ENOENT) | E(ENOMEM) },
	[K_FREE] = { "CACHE_FREE", SHADOWSLAB_IOC_CACHE_FREE,
		     SHADOWSLAB_CACHE_OBJS_SIZE_VER0,
		     E(0) | E(EINVAL) | E(ENOENT) },
	[K_SHRINK] = { "CACHE_SHRINK", SHADOWSLAB_IOC_CACHE_SHRINK,
		       SHADOWSLAB_CACHE_SHRINK_SIZE_VER0,
		       E(0) | E(EINVAL) | E(ENOENT) },
	[K_STATS] = { "CACHE_STATS", SHADOWSLAB_IOC_CACHE_STATS,
		      SHADOWSLAB_CACHE_STATS_SIZE_VER0,
		      E(0) | E(EINVAL) | E(ENOENT) },
	[K_LIST] = { "CACHE_LIST", SHADOWSLAB_IOC_CACHE_LIST,
		     SHADOWSLAB_CACHE_LIST_SIZE_VER0, E(0) | E(EFAULT) },
	[K_FAULT] = { "CACHE_FAULT", SHADOWSLAB_IOC_CACHE_FAULT,
		      SHADOWSLAB_CACHE_FAULT_SIZE_VER0,
		      E(0) | E(EINVAL) | E(ENOENT) },
	[K_RUN] = { "RUN", SHADOWSLAB_IOC_RUN, SHADOWSLAB_RUN_SIZE_VER0,
		    E(0) | E(EINVAL) | E(EFAULT) | E(ENOMEM) },
	[K_PROGRESS] = { "RUN_PROGRESS", SHADOWSLAB_IOC_RUN_PROGRESS,
			 SHADOWSLAB_RUN_PROGRESS_SIZE_VER0, E(0) },
};

/* Weights of the known commands in structured calls (sum 100). */
static const unsigned int weight[NR_KNOWN] = {
	[K_INFO] = 5, [K_CREATE] = 12, [K_DESTROY] = 9, [K_ALLOC] = 14,
	[K_FREE] = 10, [K_SHRINK] = 8, [K_STATS] = 12, [K_LIST] = 8,
	[K_FAULT] = 10, [K_RUN] = 8, [K_PROGRESS] = 4,
};

union karg {
	struct shadowslab_info info;
	struct shadowslab_cache_create create;
	struct shadowslab_cache_destroy destroy;
	struct shadowslab_cache_objs objs;
	struct shadowslab_cache_shrink shrink;
	struct shadowslab_cache_stats stats;
	struct shadowslab_cache_list list;
	struct shadowslab_cache_fault fault;
	struct shadowslab_run run;
	struct shadowslab_run_progress progress;
};

static int lookup(unsigned int cmd)
{
	int k;

	if (_IOC_TYPE(cmd) != SHADOWSLAB_IOC_MAGIC)
		return -1;
	for (k = 0; k < NR_KNOWN; k++)
		if (_IOC_NR(cmd) == _IOC_NR(known[k].cmd) &&
		    _IOC_DIR(cmd) == _IOC_DIR(known[k].cmd))
			return k;
	return -1;
}

static size_t ksize_of(int k)
{
	return _IOC_SIZE(known[k].cmd);
}

/* ------------------------------------------------------------ memory */

static unsigned char *arena;	/* ARENA_BYTES read-write, then a guard */
static unsigned char *nonemem;	/* NONE_BYTES PROT_NONE */
static unsigned char *resbuf;	/* RES_BYTES read-write, then a guard */
static __u32 *cpus_arr;		/* 64 entries, read-write */
static __u32 *ids_arr;		/* 128 entries, read-write */

static void *map_guarded(size_t bytes)
{
	unsigned char *p = mmap(NULL, bytes + 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	if (mprotect(p + bytes, 4096, PROT_NONE))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	return p;
}

static void setup_memory(void)
{
	unsigned char *aux;

	arena = map_guarded(ARENA_BYTES);
	resbuf = map_guarded(RES_BYTES);
	aux = map_guarded(4096);
	cpus_arr = (__u32 *)aux;
	ids_arr = (__u32 *)(aux + 1024);
	nonemem = mmap(NULL, NONE_BYTES, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nonemem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
}

enum ptrkind {
	P_VALID, P_MISALIGNED, P_CROSS, P_NULL, P_NONE, P_LOW, P_KERNEL,
	P_DIRECTMAP, P_NONCANON, P_MINUS1, NR_PTRKINDS
};

static const char *const ptr_names[NR_PTRKINDS] = {
	"valid", "misaligned", "straddling PROT_NONE", "NULL", "PROT_NONE",
	"0x1000", "kernel text", "kernel direct map", "non-canonical", "~0",
};

/* An unreadable address for the kinds that are not in the arena. */
static uintptr_t bad_addr(enum ptrkind k)
{
	switch (k) {
	case P_NULL:
		return 0;
	case P_NONE:
		return (uintptr_t)nonemem;
	case P_LOW:
		return 0x1000;
	case P_KERNEL:
		return 0xffffffff81000000UL;
	case P_DIRECTMAP:
		return 0xffff888000000000UL;
	case P_NONCANON:
		return 0x8000000000000000UL;
	default:
		return ~0UL;
	}
}

/* A pointer kind: mostly valid, sometimes anything. */
static enum ptrkind pick_ptrkind(unsigned int bad_pct)
{
	if (!chance(bad_pct, 100))
		return chance(1, 6) ? P_MISALIGNED : P_VALID;
	return P_CROSS + rnd(NR_PTRKINDS - P_CROSS);
}

/*
 * A nested user pointer to @bytes of read-write memory at @base (room
 * @room), or a bad one.
 */
static __u64 nested_ptr(void *base, size_t room, size_t bytes,
			unsigned int bad_pct)
{
	enum ptrkind k = pick_ptrkind(bad_pct);

	switch (k) {
	case P_VALID:
		return (uintptr_t)base;
	case P_MISALIGNED:
		if (bytes + 3 <= room)
			return (uintptr_t)base + 1 + rnd(3);
		return (uintptr_t)base;
	case P_CROSS:
		/* Ends inside the guard page after @base's room. */
		return (uintptr_t)base + room - (bytes > 1 ? 1 + rnd(bytes - 1) : 0);
	default:
		return bad_addr(k);
	}
}

/* ------------------------------------------------------ field values */

static __u32 edge32(void)
{
	switch (rnd(9)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2;
	case 3: return UINT32_MAX;
	case 4: return UINT32_MAX - 1;
	case 5: return 0x80000000U;
	case 6: return rnd(300);
	case 7: return 1U << rnd(32);
	default: return (__u32)rnd64();
	}
}

static __u64 edge64(void)
{
	switch (rnd(10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return UINT64_MAX;
	case 3: return UINT64_MAX - 1;
	case 4: return SHADOWSLAB_RUN_MAX_CYCLES;
	case 5: return SHADOWSLAB_RUN_MAX_CYCLES + 1;
	case 6: return SHADOWSLAB_RUN_MAX_DURATION_NS + rnd(2);
	case 7: return rnd(300);
	case 8: return 1ULL << rnd(64);
	default: return rnd64();
	}
}

/* @sane most of the time, else an edge value. */
static __u32 f32(__u32 sane, unsigned int edge_pct)
{
	return chance(edge_pct, 100) ? edge32() : sane;
}

static __u64 f64(__u64 sane, unsigned int edge_pct)
{
	return chance(edge_pct, 100) ? edge64() : sane;
}

/* ------------------------------------------------------- cache table */

struct tcache {
	bool live;
	bool fail;		/* the always-failing cache */
	bool deferred;
	u64 held;
	u64 peak;		/* most objects held since the last purge */
	unsigned int ops;	/* objs_per_slab */
	u64 slab_cost;		/* percpu bytes of one slab */
	u64 born;		/* call number, for destroying the oldest */
};

static struct tcache tc[MAX_CACHES + 1];	/* by id, 1..64 */
static __u32 fail_id;
static __u32 initial_ids[MAX_CACHES];
static unsigned int nr_initial;

static u64 maint_calls;		/* calls made by the fuzzer's bookkeeping */

static int maint_ioctl(unsigned long cmd, void *arg)
{
	maint_calls++;
	return ioctl_err(cmd, arg);
}

static bool is_initial(__u32 id)
{
	unsigned int i;

	for (i = 0; i < nr_initial; i++)
		if (initial_ids[i] == id)
			return true;
	return false;
}

static struct tcache *tc_of(__u32 id)
{
	if (id < 1 || id > MAX_CACHES || !tc[id].live)
		return NULL;
	return &tc[id];
}

static u64 now_call;

/* Learn a cache that the module says exists. */
static void tc_learn(__u32 id)
{
	struct shadowslab_cache_stats st;
	struct tcache *c;
	u64 obj;
	unsigned int i;

	if (id < 1 || id > MAX_CACHES || is_initial(id))
		return;
	c = &tc[id];
	memset(&st, 0, sizeof(st));
	st.id = id;
	if (maint_ioctl(SHADOWSLAB_IOC_CACHE_STATS, &st))
		return;
	memset(c, 0, sizeof(*c));
	c->live = true;
	c->deferred = st.flags & SHADOWSLAB_CACHE_DEFERRED_DTOR;
	c->held = st.objs_held;
	c->peak = st.objs_held;
	c->ops = st.objs_per_slab ? st.objs_per_slab : 1;
	for (obj = 0, i = 0; i < st.spec.nr_regions && i < SHADOWSLAB_MAX_REGIONS; i++)
		obj += st.spec.regions[i].size;
	c->slab_cost = obj * dev_info.nr_possible_cpus * c->ops;
	c->born = now_call;
	c->fail = id == fail_id;
}

static void tc_forget(__u32 id)
{
	if (id >= 1 && id <= MAX_CACHES)
		memset(&tc[id], 0, sizeof(tc[id]));
}

/* Objects an ALLOC may still add to @c within its budget. */
static u64 tc_room(const struct tcache *c)
{
	u64 slabs = c->slab_cost ? CACHE_BUDGET_BYTES / c->slab_cost : 64;
	u64 cap = slabs * c->ops;

	if (cap > CACHE_BUDGET_OBJS)
		cap = CACHE_BUDGET_OBJS;
	return cap > c->held ? cap - c->held : 0;
}

static u64 tc_total_bytes(void)
{
	u64 sum = 0;
	__u32 id;

	for (id = 1; id <= MAX_CACHES; id++)
		if (tc[id].live)
			sum += (tc[id].peak + tc[id].ops - 1) / tc[id].ops *
			       tc[id].slab_cost;
	return sum;
}

static void arm_fail_cache(void)
{
	struct shadowslab_cache_fault f = {
		.mode = SHADOWSLAB_FAULT_PROBABILITY,
		.probability_ppm = 1000000,
	};
	struct shadowslab_cache_create c = {
		.spec = { .profile = SHADOWSLAB_PROFILE_MM_6_2 },
	};

	if (!tc_of(fail_id)) {
		strcpy(c.name, "fuzz-always-fails");
		if (maint_ioctl(SHADOWSLAB_IOC_CACHE_CREATE, &c)) {
			fail_id = 0;
			return;
		}
		fail_id = c.id;
		tc_learn(fail_id);
	}
	f.id = fail_id;
	maint_ioctl(SHADOWSLAB_IOC_CACHE_FAULT, &f);
}

/* A cache id: mostly a live one, else 0, a free one, or anything. */
static __u32 pick_id(void)
{
	__u32 live[MAX_CACHES], n = 0, id;

	for (id = 1; id <= MAX_CACHES; id++)
		if (tc[id].live)
			live[n++] = id;
	if (n && chance(7, 10))
		return live[rnd(n)];
	switch (rnd(4)) {
	case 0: return 1 + rnd(MAX_CACHES);
	case 1: return MAX_CACHES + 1;
	default: return edge32();
	}
}

/* ---------------------------------------------------- struct builders */

static __u32 nr_online;
static __u32 online[64];

static void gen_spec(struct shadowslab_profile_spec *s, unsigned int edge_pct)
{
	static const __u32 sizes[] = { 1, 2, 3, 8, 16, 24, 64, 100, 256, 4096,
				       32768, 32769, 0 };
	static const __u32 aligns[] = { 0, 1, 2, 4, 8, 16, 64, 3, 4096, 8192 };
	unsigned int i, n;

	memset(s, 0, sizeof(*s));
	s->profile = f32(rnd(SHADOWSLAB_NR_PROFILES), edge_pct);
	if (s->profile == SHADOWSLAB_PROFILE_CUSTOM || chance(edge_pct, 100)) {
		n = 1 + rnd(SHADOWSLAB_MAX_REGIONS);
		s->nr_regions = f32(n, edge_pct);
		for (i = 0; i < n; i++) {
			s->regions[i].size = chance(edge_pct, 100) ?
				edge32() : sizes[rnd(ARRAY_SIZE(sizes) - 3)];
			if (chance(1, 20))
				s->regions[i].size = sizes[rnd(ARRAY_SIZE(sizes))];
			s->regions[i].align = chance(edge_pct, 100) ?
				edge32() : aligns[rnd(ARRAY_SIZE(aligns))];
		}
		/* Sometimes a region set past nr_regions. */
		if (chance(1, 20) && n < SHADOWSLAB_MAX_REGIONS)
			s->regions[n].size = 8;
	}
	if (chance(1, 4)) {
		static const __u32 osz[] = { 1, 63, 64, 100, 512, 1024, 4096,
					     16384, 16385, 1 << 20 };
		s->object_size = osz[rnd(ARRAY_SIZE(osz))];
	}
	s->reserved = chance(1, 30) ? edge32() : 0;
}

static void gen_name(char *name)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEF0123456789._-";
	unsigned int i, n;

	memset(name, 0, SHADOWSLAB_NAME_LEN);
	switch (rnd(8)) {
	case 0:		/* unnamed: PROFILE:ID */
		return;
	case 1:		/* not NUL-terminated */
		memset(name, 'a' + rnd(26), SHADOWSLAB_NAME_LEN);
		return;
	case 2:		/* a bad character */
		snprintf(name, SHADOWSLAB_NAME_LEN, "fz%c%u", "/:\n *\x01\xff"[rnd(7)],
			 (unsigned int)rnd(100));
		return;
	case 3:		/* likely a duplicate */
		snprintf(name, SHADOWSLAB_NAME_LEN, "dup%u", (unsigned int)rnd(3));
		return;
	case 4:		/* the longest valid name */
		for (i = 0; i < SHADOWSLAB_NAME_LEN - 1; i++)
			name[i] = ok[rnd(sizeof(ok) - 1)];
		return;
	default:
		n = 1 + rnd(12);
		for (i = 0; i < n; i++)
			name[i] = ok[rnd(sizeof(ok) - 1)];
		return;
	}
}

/* Fill cpus_arr and return a nr_cpus for it. */
static __u32 gen_cpus(unsigned int edge_pct)
{
	__u32 n = 1 + rnd(nr_online), i;

	/* Distinct online CPUs first, in any order; then anything. */
	for (i = 0; i < 64; i++)
		cpus_arr[i] = i < nr_online ? online[i] : (__u32)rnd(8);
	for (i = 0; i < nr_online; i++) {
		__u32 j = rnd(nr_online), t = cpus_arr[i];

		cpus_arr[i] = cpus_arr[j];
		cpus_arr[j] = t;
	}
	if (chance(edge_pct, 100)) {
		switch (rnd(5)) {
		case 0:	/* a duplicate */
			cpus_arr[n] = cpus_arr[0];
			n++;
			break;
		case 1:	/* nr_cpu_ids, the first id out of range */
			cpus_arr[rnd(n)] = dev_info.nr_cpu_ids;
			break;
		case 2:
			cpus_arr[rnd(n)] = UINT32_MAX;
			break;
		case 3:	/* possibly a possible but offline CPU */
			cpus_arr[rnd(n)] = rnd(dev_info.nr_cpu_ids);
			break;
		default:
			n = edge32();
			break;
		}
	}
	return n;
}

static void gen_struct(int k, union karg *a, unsigned int edge_pct)
{
	unsigned int i;

	memset(a, 0, sizeof(*a));
	switch (k) {
	case K_INFO:
	case K_PROGRESS:
		/* Output only: whatever the caller left there is overwritten. */
		if (chance(1, 2))
			for (i = 0; i < sizeof(*a); i++)
				((unsigned char *)a)[i] = rnd64();
		break;
	case K_CREATE:
		gen_spec(&a->create.spec, edge_pct);
		gen_name(a->create.name);
		a->create.flags = chance(1, 2) ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0;
		a->create.flags = f32(a->create.flags, edge_pct);
		a->create.magazine_size = f32(chance(1, 2) ? 0 : rnd(256), edge_pct);
		a->create.id = f32(0, edge_pct);	/* out: ignored on input */
		a->create.reserved = chance(1, 25) ? edge32() : 0;
		break;
	case K_DESTROY:
		a->destroy.id = pick_id();
		a->destroy.reserved = chance(1, 20) ? edge32() : 0;
		a->destroy.ctor_calls = f64(0, edge_pct);
		a->destroy.ctor_failures = f64(0, edge_pct);
		a->destroy.dtor_calls = f64(0, edge_pct);
		break;
	case K_ALLOC:
	case K_FREE:
		a->objs.id = pick_id();
		a->objs.count = f32(rnd(k == K_ALLOC ? 33 : 65), edge_pct);
		if (chance(1, 25))
			a->objs.count = (1U << 20) + rnd(2);
		a->objs.done = f32(0, edge_pct);
		a->objs.reserved = chance(1, 20) ? edge32() : 0;
		a->objs.held = f64(0, edge_pct);
		break;
	case K_SHRINK:
		a->shrink.id = pick_id();
		a->shrink.flags = f32(rnd(2), edge_pct);
		a->shrink.slabs_released = f64(0, edge_pct);
		a->shrink.objects_released = f64(0, edge_pct);
		break;
	case K_STATS:
		for (i = 0; chance(1, 3) && i < sizeof(a->stats); i++)
			((unsigned char *)&a->stats)[i] = rnd64();
		a->stats.id = pick_id();
		a->stats.reserved = chance(1, 15) ? edge32() : 0;
		break;
	case K_LIST:
		a->list.capacity = f32(rnd(130), edge_pct);
		a->list.ids_ptr = a->list.capacity || chance(1, 2) ?
			nested_ptr(ids_arr, 128 * 4,
				   (a->list.capacity < 128 ? a->list.capacity : 128) * 4,
				   25) : 0;
		a->list.count = f32(0, edge_pct);
		break;
	case K_FAULT: {
		__u32 mode = f32(rnd(SHADOWSLAB_NR_FAULT_MODES), edge_pct);

		/* The mode's own fields; now and then one that is not. */
		a->fault.id = pick_id();
		a->fault.mode = mode;
		if (mode == SHADOWSLAB_FAULT_EVERY_NTH || chance(1, 12))
			a->fault.nth = f32(1 + rnd(100), edge_pct);
		if (mode == SHADOWSLAB_FAULT_PROBABILITY || chance(1, 12)) {
			a->fault.probability_ppm = f32(rnd(1000001), edge_pct);
			if (chance(1, 10))
				a->fault.probability_ppm = 1000000 + rnd(2);
		}
		if (mode == SHADOWSLAB_FAULT_PROBABILITY || chance(1, 12))
			a->fault.seed = rnd64();
		a->fault.injected = f64(0, edge_pct);
		a->fault.reserved = chance(1, 20) ? edge64() : 0;
		break;
	}
	case K_RUN: {
		struct shadowslab_run *r = &a->run;

		gen_spec(&r->spec, edge_pct / 2);
		r->strategy = f32(rnd(SHADOWSLAB_NR_STRATEGIES), edge_pct);
		r->flags = f32(rnd(SHADOWSLAB_RUN_FLAGS_ALL + 1), edge_pct);
		r->live = f32(chance(1, 2) ? 0 : 1 + rnd(CHEAP_LIVE), edge_pct);
		r->retain = f32(rnd(SHADOWSLAB_NR_RETAIN), edge_pct);
		r->min_partial = f32(rnd(8), edge_pct);
		r->mt_fraction_ppm = f32(rnd(SHADOWSLAB_PPM + 1), edge_pct);
		r->nr_cpus = gen_cpus(edge_pct);
		r->magazine_size = f32(chance(1, 2) ? 0 : rnd(256), edge_pct);
		r->cpus_ptr = nested_ptr(cpus_arr, 64 * 4,
					 (r->nr_cpus < 64 ? r->nr_cpus : 64) * 4, 10);
		if (chance(1, 4)) {
			r->cycles = 0;
			r->duration_ns = f64(1 + rnd(CHEAP_DURATION_NS), edge_pct);
		} else {
			r->cycles = f64(1 + rnd(CHEAP_CYCLES), edge_pct);
			r->duration_ns = chance(1, 15) ? edge64() : 0;
		}
		r->warmup_cycles = f64(rnd(CHEAP_WARMUP + 1), edge_pct);
		r->result_size = f32(chance(1, 3) ?
				     SHADOWSLAB_THREAD_RESULT_SIZE_VER0 + rnd(3545) :
				     SHADOWSLAB_THREAD_RESULT_SIZE_VER0, edge_pct);
		r->results_ptr = nested_ptr(resbuf, RES_BYTES,
					    r->nr_cpus <= 4 && r->result_size <= 4096 ?
					    r->nr_cpus * r->result_size : 1, 10);
		r->sample_shift = f32(rnd(17), edge_pct);
		r->status = f32(0, edge_pct);
		r->reserved = chance(1, 25) ? edge32() : 0;
		r->elapsed_ns = f64(0, edge_pct);
		r->total_cycles = f64(0, edge_pct);
		break;
	}
	}
}

/* ---------------------------------------------------------- guards */

/*
 * Keep RUN cheap whatever the other fields: values the ABI accepts are
 * clamped to a tiny run; values beyond its limits are left, to fail.
 * A custom type whose slabs (or stash) would own too much percpu memory
 * does not run with the shadow cache (or the stash), nor many at once.
 */
static void guard_run(struct shadowslab_run *r)
{
	u64 bytes = 0;
	unsigned int i;

	if (r->cycles <= SHADOWSLAB_RUN_MAX_CYCLES && r->cycles > CHEAP_CYCLES)
		r->cycles %= CHEAP_CYCLES + 1;
	if (r->warmup_cycles <= SHADOWSLAB_RUN_MAX_CYCLES &&
	    r->warmup_cycles > CHEAP_WARMUP)
		r->warmup_cycles %= CHEAP_WARMUP + 1;
	if (r->duration_ns <= SHADOWSLAB_RUN_MAX_DURATION_NS &&
	    r->duration_ns > CHEAP_DURATION_NS)
		r->duration_ns %= CHEAP_DURATION_NS + 1;
	if (r->live <= SHADOWSLAB_RUN_MAX_LIVE && r->live > CHEAP_LIVE)
		r->live %= CHEAP_LIVE + 1;
	for (i = 0; i < SHADOWSLAB_MAX_REGIONS; i++)
		bytes += r->spec.regions[i].size;
	bytes *= dev_info.nr_possible_cpus;
	if ((r->strategy == SHADOWSLAB_STRATEGY_CTOR ||
	     r->strategy == SHADOWSLAB_STRATEGY_STASH) &&
	    bytes * 64 > (16ULL << 20))
		r->strategy = SHADOWSLAB_STRATEGY_PERCPU;
	/* A live set of such objects on every thread is as much. */
	if (r->live <= SHADOWSLAB_RUN_MAX_LIVE && bytes * r->live > (4ULL << 20))
		r->live = 1;
}

static bool need_arm_fail;

/*
 * Keep ALLOC within the cache's budget: clamp, or send a large count to
 * the cache whose constructor always fails.
 */
static void guard_alloc(struct shadowslab_cache_objs *o)
{
	struct tcache *c = tc_of(o->id);
	u64 room;

	if (!c || o->reserved || !o->count || o->count > (1U << 20))
		return;
	if (c->fail) {
		need_arm_fail = true;
		return;
	}
	room = tc_room(c);
	if (tc_total_bytes() > TOTAL_BUDGET_BYTES)
		room = 0;
	if (o->count <= room)
		return;
	if (room && chance(2, 3)) {
		o->count = 1 + rnd(room);
		return;
	}
	if (fail_id) {
		o->id = fail_id;
		need_arm_fail = true;
	} else {
		o->id = MAX_CACHES + 1;	/* nobody's */
	}
}

/* --------------------------------------------------------- the calls */

struct call {
	unsigned int cmd;
	int k;			/* known command, or -1 */
	enum ptrkind pk;
	unsigned char *ptr;
	size_t size;		/* _IOC_SIZE(cmd) */
	size_t readable;	/* bytes from ptr that can be read */
	bool tail_nonzero;	/* a non-zero byte past the kernel's struct */
};

static u64 calls, rejected, accepted, nr_violations, nr_oracle_fail;
static u64 errno_hist[160];
static u64 per_cmd[NR_KNOWN + 1];
static u64 runs_ok, runs_summed_onto_input;

static void violation(const struct call *c, int err, const char *why)
{
	nr_violations++;
	if (nr_violations > MAX_VIOLATIONS_SHOWN)
		return;
	ksft_print_msg("call %llu: cmd 0x%08x (%s, dir %u, nr 0x%02x, size %zu), arg %s: got %s, %s\n",
		       calls, c->cmd, c->k >= 0 ? known[c->k].name : "unknown",
		       _IOC_DIR(c->cmd), _IOC_NR(c->cmd), c->size,
		       ptr_names[c->pk], errno_name(err), why);
}

static void oracle_fail(const struct call *c, const char *fmt, ...)
{
	va_list ap;

	nr_oracle_fail++;
	if (nr_oracle_fail > MAX_VIOLATIONS_SHOWN)
		return;
	va_start(ap, fmt);
	printf("# call %llu: %s succeeded but ", calls,
	       c->k >= 0 ? known[c->k].name : "?");
	vprintf(fmt, ap);
	va_end(ap);
}

/* Where the argument goes and how much of it is readable. */
static void place(struct call *c)
{
	switch (c->pk) {
	case P_VALID:
		c->ptr = arena;
		c->readable = c->size;
		break;
	case P_MISALIGNED:
		c->ptr = arena + 1 + rnd(7);
		c->readable = c->size;
		break;
	case P_CROSS:
		if (c->size <= 1) {
			c->ptr = arena;
			c->readable = c->size;
			c->pk = P_VALID;
		} else {
			size_t in = rnd(c->size);	/* 0 .. size - 1 readable */

			c->ptr = arena + ARENA_BYTES - in;
			c->readable = in;
		}
		break;
	default:
		c->ptr = (unsigned char *)bad_addr(c->pk);
		c->readable = 0;
		break;
	}
}

/* Write the argument: @a's bytes, then the tail, into the readable part. */
static void fill(struct call *c, const void *a, size_t alen, bool nonzero_tail)
{
	size_t n = c->readable < alen ? c->readable : alen, pos;

	if (!c->readable)
		return;
	memcpy(c->ptr, a, n);
	if (c->readable > n)
		memset(c->ptr + n, 0, c->readable - n);
	c->tail_nonzero = false;
	if (nonzero_tail && c->size > alen) {
		pos = alen + rnd(c->size - alen);
		if (pos < c->readable) {
			c->ptr[pos] = 1 + rnd(255);
			c->tail_nonzero = true;
		}
	}
}

static void fill_pattern(struct call *c)
{
	size_t i;

	switch (rnd(3)) {
	case 0:
		memset(c->ptr, 0, c->readable);
		break;
	case 1:
		memset(c->ptr, 0xff, c->readable);
		break;
	default:
		for (i = 0; i < c->readable; i++)
			c->ptr[i] = rnd64();
		break;
	}
}

static size_t pick_size(int k)
{
	static const size_t fixed[] = { 0, 1, 8, 16, 23, 24, 31, 32, 39, 40,
					127, 128, 143, 144, 207, 208, 311, 312,
					512, 4096, 16383 };

	if (k >= 0 && chance(3, 5))
		return ksize_of(k);
	if (k >= 0 && chance(1, 2)) {
		switch (rnd(4)) {
		case 0:
			return known[k].ver0 - 1 - rnd(known[k].ver0 < 8 ? 1 : 8);
		case 1:
			return ksize_of(k) + 1 + rnd(64);
		case 2:
			return ksize_of(k) + 8;
		default:
			return 16383;
		}
	}
	if (chance(1, 2))
		return fixed[rnd(ARRAY_SIZE(fixed))];
	return rnd(16384);
}

/* A type byte that the VFS does not answer itself (FIOCLEX, FIGETBSZ...). */
static unsigned int pick_type(void)
{
	unsigned int t;

	if (chance(4, 5))
		return SHADOWSLAB_IOC_MAGIC;
	do {
		t = rnd(256);
	} while (t == SHADOWSLAB_IOC_MAGIC || t == 0 || t == 'T' ||
		 t == 'X' || t == 'f' || t == 0x94 || t == 0x15);
	return t;
}

static unsigned int pick_nr(void)
{
	if (chance(3, 5))
		return _IOC_NR(known[rnd(NR_KNOWN)].cmd);
	return rnd(256);
}

static int pick_known(void)
{
	unsigned int r = rnd(100), k;

	for (k = 0; k < NR_KNOWN; k++) {
		if (r < weight[k])
			return k;
		r -= weight[k];
	}
	return K_STATS;
}

/* Build one call: structured (a known command) or raw. */
static void build(struct call *c)
{
	union karg a;
	int k;

	memset(c, 0, sizeof(*c));
	if (chance(7, 10)) {
		k = pick_known();
		c->cmd = known[k].cmd;
		if (chance(1, 12)) {	/* the wrong direction */
			unsigned int dir = (_IOC_DIR(c->cmd) + 1 + rnd(3)) & 3;

			c->cmd = _IOC(dir, SHADOWSLAB_IOC_MAGIC,
				      _IOC_NR(c->cmd), _IOC_SIZE(c->cmd));
		}
		c->size = pick_size(k);
		c->cmd = _IOC(_IOC_DIR(c->cmd), SHADOWSLAB_IOC_MAGIC,
			      _IOC_NR(c->cmd), c->size);
		c->pk = pick_ptrkind(12);
		place(c);
		gen_struct(k, &a, chance(1, 3) ? 40 : 8);
		fill(c, &a, ksize_of(k), chance(1, 8));
	} else {
		c->size = pick_size(-1);
		c->cmd = _IOC(rnd(4), pick_type(), pick_nr(), c->size);
		c->pk = pick_ptrkind(20);
		place(c);
		k = lookup(c->cmd);
		if (k >= 0 && chance(1, 3)) {
			gen_struct(k, &a, 50);
			fill(c, &a, ksize_of(k), chance(1, 4));
		} else {
			fill_pattern(c);
		}
	}
	c->k = lookup(c->cmd);

	/* Recompute the tail from what is really there. */
	if (c->k >= 0 && c->size > ksize_of(c->k)) {
		size_t i, end = c->readable < c->size ? c->readable : c->size;

		c->tail_nonzero = false;
		for (i = ksize_of(c->k); i < end; i++)
			if (c->ptr[i]) {
				c->tail_nonzero = true;
				break;
			}
	}

	/* Guards, on an argument the handler will see. */
	need_arm_fail = false;
	if (c->k >= 0 && c->readable == c->size &&
	    c->size >= known[c->k].ver0 && !c->tail_nonzero) {
		if (c->k == K_RUN) {
			struct shadowslab_run r;

			memcpy(&r, c->ptr, sizeof(r));
			guard_run(&r);
			memcpy(c->ptr, &r, sizeof(r));
		} else if (c->k == K_ALLOC) {
			struct shadowslab_cache_objs o;

			memcpy(&o, c->ptr, sizeof(o));
			guard_alloc(&o);
			memcpy(c->ptr, &o, sizeof(o));
		}
	}
}

/* --------------------------------------------------------- checking */

static bool writes(unsigned int cmd)
{
	return _IOC_DIR(cmd) & _IOC_WRITE;
}

static void check_success(const struct call *c, const void *in)
{
	union karg out;

	memcpy(&out, c->ptr, ksize_of(c->k));
	switch (c->k) {
	case K_INFO:
		if (out.info.abi_version != SHADOWSLAB_ABI_VERSION ||
		    out.info.nr_cpu_ids != dev_info.nr_cpu_ids)
			oracle_fail(c, "reported ABI %u, nr_cpu_ids %u (expected %u, %u)\n",
				    out.info.abi_version, out.info.nr_cpu_ids,
				    SHADOWSLAB_ABI_VERSION, dev_info.nr_cpu_ids);
		break;
	case K_CREATE:
		if (out.create.id < 1 || out.create.id > MAX_CACHES) {
			oracle_fail(c, "returned id %u (expected 1..64)\n",
				    out.create.id);
			break;
		}
		if (tc_of(out.create.id))
			oracle_fail(c, "returned id %u, which is live\n",
				    out.create.id);
		tc_learn(out.create.id);
		break;
	case K_DESTROY:
		if (out.destroy.dtor_calls !=
		    out.destroy.ctor_calls - out.destroy.ctor_failures)
			oracle_fail(c, "cache %u: dtor_calls %llu vs ctor_calls %llu - ctor_failures %llu\n",
				    out.destroy.id, out.destroy.dtor_calls,
				    out.destroy.ctor_calls,
				    out.destroy.ctor_failures);
		if (out.destroy.id == fail_id)
			fail_id = 0;
		tc_forget(out.destroy.id);
		break;
	case K_ALLOC: {
		const struct shadowslab_cache_objs *i = in;
		struct tcache *t = tc_of(out.objs.id);

		if (!out.objs.done || out.objs.done > i->count)
			oracle_fail(c, "done %u for count %u\n",
				    out.objs.done, i->count);
		if (t) {
			if (out.objs.held != t->held + out.objs.done)
				oracle_fail(c, "cache %u: held %llu, expected %llu + %u\n",
					    out.objs.id, out.objs.held,
					    t->held, out.objs.done);
			t->held = out.objs.held;
			if (t->held > t->peak)
				t->peak = t->held;
		}
		break;
	}
	case K_FREE: {
		const struct shadowslab_cache_objs *i = in;
		struct tcache *t = tc_of(out.objs.id);

		if (t) {
			u64 want = i->count && i->count < t->held ? i->count : t->held;

			if (out.objs.done != want || out.objs.held != t->held - want)
				oracle_fail(c, "cache %u: FREE %u of %llu held: done %u, held %llu\n",
					    out.objs.id, i->count, t->held,
					    out.objs.done, out.objs.held);
			t->held = out.objs.held;
		}
		break;
	}
	case K_SHRINK:
		if (out.shrink.objects_released % (out.shrink.slabs_released ?: 1))
			oracle_fail(c, "released %llu objects in %llu slabs\n",
				    out.shrink.objects_released,
				    out.shrink.slabs_released);
		if (out.shrink.flags & SHADOWSLAB_SHRINK_PURGE) {
			struct tcache *t = tc_of(out.shrink.id);

			if (t)
				t->peak = t->held;
		}
		break;
	case K_STATS: {
		const struct shadowslab_cache_stats *st = &out.stats;
		struct tcache *t = tc_of(st->id);
		struct point p;

		point_init(&p, "STATS of cache %u", st->id);
		if (!(st->flags & SHADOWSLAB_CACHE_DEFERRED_DTOR)) {
			expect_accounting(&p, "fuzz", st);
		} else {
			expect_u64(&p, "objs_in_use vs objs_held",
				   st->objs_held, st->objs_in_use);
			expect_u64(&p, "objs_in_depot vs full * magazine_size",
				   st->depot_full_magazines * st->magazine_size,
				   st->objs_in_depot);
		}
		if (t)
			expect_u64(&p, "objs_held vs the fuzzer's count",
				   t->held, st->objs_held);
		if (!p.ok)
			oracle_fail(c, "cache %u: its STATS were inconsistent (above)\n",
				    st->id);
		break;
	}
	case K_LIST:
		if (out.list.count > MAX_CACHES)
			oracle_fail(c, "count %u > 64\n", out.list.count);
		break;
	case K_RUN: {
		const struct shadowslab_run *r = &out.run;
		const struct shadowslab_run *i = in;
		u64 total = r->total_cycles, checks = r->check_failures;

		runs_ok++;
		/*
		 * The out-fields summed onto the caller's input: a bug of its
		 * own, reported once by the "RUN output fields" point; here
		 * it is counted and the rest of the result still checked.
		 */
		if ((i->total_cycles || i->check_failures) &&
		    (total != r->cycles * r->nr_cpus || checks)) {
			runs_summed_onto_input++;
			total -= i->total_cycles;
			checks -= i->check_failures;
		}
		if (r->status != SHADOWSLAB_RUN_COMPLETED || checks ||
		    (r->cycles && total != r->cycles * r->nr_cpus))
			oracle_fail(c, "status %u, check_failures %llu, total_cycles %llu (cycles %llu x %u threads)\n",
				    r->status, r->check_failures,
				    r->total_cycles, r->cycles, r->nr_cpus);
		break;
	}
	case K_PROGRESS:
		if (out.progress.phase != SHADOWSLAB_PHASE_IDLE)
			oracle_fail(c, "phase %u with no run in progress\n",
				    out.progress.phase);
		break;
	}
}

static void check(const struct call *c, int err, const void *in)
{
	char why[160];

	if (err >= 0 && err < (int)ARRAY_SIZE(errno_hist))
		errno_hist[err]++;
	per_cmd[c->k >= 0 ? c->k : NR_KNOWN]++;
	if (err)
		rejected++;
	else
		accepted++;

	if (c->k < 0) {
		if (err != ENOTTY)
			violation(c, err, "expected ENOTTY (not a command of the module)");
		return;
	}
	if (c->size < known[c->k].ver0) {
		if (err != EINVAL) {
			snprintf(why, sizeof(why), "expected EINVAL (size below VER0 %u)",
				 known[c->k].ver0);
			violation(c, err, why);
		}
		return;
	}
	if (c->readable < c->size) {
		bool ok = err == EFAULT ||
			  (writes(c->cmd) && c->pk == P_CROSS && err == E2BIG &&
			   c->size > ksize_of(c->k));

		if (!ok)
			violation(c, err, "expected EFAULT (argument not readable)");
		return;
	}
	if (writes(c->cmd) && c->tail_nonzero) {
		if (err != E2BIG)
			violation(c, err, "expected E2BIG (non-zero bytes past the struct)");
		return;
	}
	if (err < 0 || err >= 64 || !(known[c->k].allowed & E(err))) {
		violation(c, err, "not an errno this command documents");
		return;
	}
	/*
	 * The mode rules, as the ABI header states them, come before the
	 * lookup of the cache.
	 */
	if (c->k == K_FAULT &&
	    !!shadowslab_cache_fault_valid(in) != (err != EINVAL)) {
		violation(c, err, shadowslab_cache_fault_valid(in) ?
			  "expected 0 or ENOENT (fields valid for the mode)" :
			  "expected EINVAL (reserved, or a field the mode does not take)");
		return;
	}
	if (!err)
		check_success(c, in);
}

/* ------------------------------------------------------- maintenance */

static void purge_all(void)
{
	struct shadowslab_cache_objs o;
	struct shadowslab_cache_shrink s;
	__u32 id;

	for (id = 1; id <= MAX_CACHES; id++) {
		if (!tc[id].live)
			continue;
		memset(&o, 0, sizeof(o));
		o.id = id;
		if (!maint_ioctl(SHADOWSLAB_IOC_CACHE_FREE, &o))
			tc[id].held = o.held;
		memset(&s, 0, sizeof(s));
		s.id = id;
		s.flags = SHADOWSLAB_SHRINK_PURGE;
		maint_ioctl(SHADOWSLAB_IOC_CACHE_SHRINK, &s);
		tc[id].peak = tc[id].held;
	}
}

static unsigned int nr_live(void)
{
	unsigned int n = 0;
	__u32 id;

	for (id = 1; id <= MAX_CACHES; id++)
		n += tc[id].live;
	return n;
}

static void destroy_oldest_half(void)
{
	unsigned int n = nr_live() / 2;

	while (n--) {
		__u32 id, oldest = 0;

		for (id = 1; id <= MAX_CACHES; id++)
			if (tc[id].live && !tc[id].fail &&
			    (!oldest || tc[id].born < tc[oldest].born))
				oldest = id;
		if (!oldest)
			break;
		maint_calls += 3;
		cache_cleanup(oldest, NULL);
		tc_forget(oldest);
	}
}

static void maintain(struct point *p)
{
	struct shadowslab_run_progress pr;
	__u32 ids[MAX_CACHES], count, i;
	unsigned int mine = 0;

	maint_calls++;
	if (progress(&pr) || pr.phase != SHADOWSLAB_PHASE_IDLE)
		expect(p, false, "call %llu: expected the runner idle, got phase %u\n",
		       calls, pr.phase);
	/* The fuzzer's view of the caches vs LIST. */
	maint_calls++;
	if (cache_list(ids, MAX_CACHES, &count)) {
		expect(p, false, "LIST: %s\n", errno_name(errno));
		return;
	}
	for (i = 0; i < count && i < MAX_CACHES; i++) {
		if (is_initial(ids[i]))
			continue;
		mine++;
		if (!tc_of(ids[i])) {
			expect(p, false, "call %llu: LIST has cache %u, which the fuzzer did not see created\n",
			       calls, ids[i]);
			tc_learn(ids[i]);
		}
	}
	if (mine != nr_live()) {
		expect(p, false, "call %llu: LIST has %u caches of the fuzzer's, it tracks %u\n",
		       calls, mine, nr_live());
		for (i = 1; i <= MAX_CACHES; i++)
			tc_forget(i);
		for (i = 0; i < count && i < MAX_CACHES; i++)
			tc_learn(ids[i]);
	}
	if (tc_total_bytes() > TOTAL_BUDGET_BYTES)
		purge_all();
	if (nr_live() >= MAX_LIVE_CACHES)
		destroy_oldest_half();
}

/* ---------------------------------------------------- final checks */

static void functional_check(void)
{
	struct shadowslab_thread_result res[64];
	struct shadowslab_cache_objs objs;
	struct shadowslab_cache_stats st;
	struct shadowslab_run r;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "afterwards: create, ALLOC 100, FREE, accounting, DESTROY balance");
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "after-fuzz", 0, 0, &id);
	expect_err(&p, "CREATE", 0, err);
	if (!err) {
		expect_err(&p, "ALLOC", 0, cache_alloc(id, 100, &objs));
		expect_u64(&p, "ALLOC done", 100, objs.done);
		expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
		expect_u64(&p, "FREE done", 100, objs.done);
		expect_err(&p, "STATS", 0, cache_stats(id, &st));
		expect_accounting(&p, "after ALLOC/FREE", &st);
		expect_destroy_balance(&p, id);
	}
	point_end(&p);

	point_init(&p, "afterwards: a ctor RUN on every online CPU completes, exact cycles, no check failure");
	run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 500, 0, res);
	err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "status", SHADOWSLAB_RUN_COMPLETED, r.status);
		expect_u64(&p, "total_cycles", 500ULL * nr_online, r.total_cycles);
		expect_u64(&p, "check_failures", 0, r.check_failures);
	}
	point_end(&p);
}

/*
 * RUN's out-fields are the kernel's to write: whatever the caller left in
 * them must not show through.  (kmod/runner.c sums total_cycles and
 * check_failures onto the caller's values.)
 */
static void run_out_fields(void)
{
	struct shadowslab_thread_result res[1];
	struct shadowslab_run r;
	struct point p;
	int err;

	point_init(&p, "RUN output fields: total_cycles and check_failures not summed onto the caller's values");
	run_init(&r, SHADOWSLAB_STRATEGY_SLAB, SHADOWSLAB_PROFILE_MM_6_6,
		 online, 1, 10, 0, res);
	r.status = 7;
	r.total_cycles = 1000;
	r.check_failures = 5;
	err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
	expect_err(&p, "RUN (10 cycles, slab, 1 CPU)", 0, err);
	if (!err) {
		expect_u64(&p, "status", SHADOWSLAB_RUN_COMPLETED, r.status);
		expect_u64(&p, "total_cycles (caller passed 1000)", 10,
			   r.total_cycles);
		expect_u64(&p, "check_failures (caller passed 5)", 0,
			   r.check_failures);
	}
	point_end(&p);
}

/* FUZZ_BAD_INPUTS, else TARGET_BAD scaled. */
static u64 fuzz_target(void)
{
	const char *s = getenv("FUZZ_BAD_INPUTS");
	char *end;
	u64 n;

	if (!s || !*s)
		return scaled(TARGET_BAD, 100);
	n = strtoull(s, &end, 10);
	if (*end || !n)
		ksft_exit_fail_msg("FUZZ_BAD_INPUTS must be a positive count, not '%s'\n",
				   s);
	return n;
}

int main(void)
{
	u64 seed = stress_seed(), target = fuzz_target(), t0;
	long long balance0;
	unsigned int destroyed, failed, i;
	struct point p, pv, po;
	union karg in;
	struct call c;
	int err;

	shadowslab_test_start();
	ksft_set_plan(8);
	shadowslab_device();
	nr_online = online_cpus(online, 64);
	setup_memory();
	nr_initial = list_ids(initial_ids);
	balance0 = module_balance();
	rng_seed(seed);
	ksft_print_msg("seed %llu (STRESS_SEED=%llu reproduces this run), target %llu rejected calls (STRESS_SCALE %g)\n",
		       seed, seed, target, shadowslab_scale("STRESS_SCALE"));
	ksft_print_msg("%u online CPUs, %u possible, nr_cpu_ids %u, %u caches before\n",
		       nr_online, dev_info.nr_possible_cpus, dev_info.nr_cpu_ids,
		       nr_initial);

	point_init(&pv, "every call returned what the ABI says (ENOTTY, EINVAL, EFAULT, E2BIG, documented errnos)");
	point_init(&po, "every successful call reported consistent results (STATS identities, DESTROY balance, RUN results)");
	point_init(&p, "fuzzer bookkeeping: LIST agrees, runner idle between calls");
	arm_fail_cache();
	t0 = now_ns();
	while (rejected < target) {
		calls++;
		now_call = calls;
		build(&c);
		if (need_arm_fail)
			arm_fail_cache();
		/* What the module reads: a shorter struct zero-extended. */
		memset(&in, 0, sizeof(in));
		if (c.k >= 0 && c.readable >= c.size)
			memcpy(&in, c.ptr, c.size < ksize_of(c.k) ?
			       c.size : ksize_of(c.k));
		err = ioctl(dev_fd, c.cmd, c.ptr) ? errno : 0;
		check(&c, err, &in);
		if (calls % MAINT_EVERY == 0)
			maintain(&p);
		if (calls % 20000 == 0)
			ksft_print_msg("%llu calls, %llu rejected, %llu accepted, %llu successful runs, %.0f s\n",
				       calls, rejected, accepted, runs_ok,
				       (now_ns() - t0) / 1e9);
		if ((now_ns() - t0) / 1000000000ULL > FUZZ_TIME_CAP_S) {
			ksft_print_msg("time cap of %d s reached: stopping at %llu rejected calls\n",
				       FUZZ_TIME_CAP_S, rejected);
			break;
		}
	}
	ksft_print_msg("%llu calls (%llu rejected, %llu accepted) in %.1f s, plus %llu bookkeeping calls; %llu RUNs completed\n",
		       calls, rejected, accepted, (now_ns() - t0) / 1e9,
		       maint_calls, runs_ok);
	for (i = 0; i < NR_KNOWN; i++)
		ksft_print_msg("  %-13s %llu calls\n", known[i].name, per_cmd[i]);
	ksft_print_msg("  %-13s %llu calls\n", "unknown", per_cmd[NR_KNOWN]);
	for (i = 0; i < ARRAY_SIZE(errno_hist); i++)
		if (errno_hist[i])
			ksft_print_msg("  %-10s %llu\n", errno_name(i), errno_hist[i]);

	expect(&pv, !nr_violations, "%llu calls got an unexpected result (first %d above); seed %llu\n",
	       nr_violations, MAX_VIOLATIONS_SHOWN, seed);
	point_end(&pv);
	expect(&po, !nr_oracle_fail, "%llu successful calls reported inconsistent results (first %d above); seed %llu\n",
	       nr_oracle_fail, MAX_VIOLATIONS_SHOWN, seed);
	point_end(&po);
	point_end(&p);

	point_init(&p, "%llu bad inputs rejected (target %llu)", rejected, target);
	expect(&p, rejected >= target, "stopped early\n");
	point_end(&p);

	point_init(&p, "cleanup: every cache the fuzzer created destroyed, LIST as before, module percpu allocs == frees");
	destroyed = cleanup_caches_except(initial_ids, nr_initial, &failed);
	ksft_print_msg("cleanup: destroyed %u caches\n", destroyed);
	expect(&p, !failed, "%u caches could not be destroyed\n", failed);
	expect_u64(&p, "LIST count", nr_initial, cache_count());
	{
		struct shadowslab_info i2;

		get_info(&i2);
		ksft_print_msg("INFO: percpu_allocs %llu, percpu_frees %llu\n",
			       i2.percpu_allocs, i2.percpu_frees);
		expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
			   balance0, i2.percpu_allocs - i2.percpu_frees);
	}
	point_end(&p);

	functional_check();
	run_out_fields();
	if (runs_summed_onto_input)
		ksft_print_msg("%llu of the fuzzer's RUNs returned total_cycles/check_failures summed onto its input values\n",
			       runs_summed_onto_input);

	printf("# stress-summary: bad_inputs=%llu\n", rejected);
	close(dev_fd);
	ksft_finished();
}
