#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "shadowslab/tracer/kallsyms.hpp"
#include "shadowslab/tracer/trace_error.hpp"
#include "shadowslab/tracer/tracer.hpp"

using namespace shadowslab::tracer;

namespace {

// A small /proc/kallsyms: core kernel text and data, and a module.
const char* const kSample =
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81100000 t pcpu_alloc\n"
    "ffffffff81100800 T __alloc_percpu_gfp\n"
    "ffffffff81100840 T __alloc_percpu\n"
    "ffffffff81100880 T free_percpu\n"
    "ffffffff81100c00 T is_kernel_percpu_address\n"
    "ffffffff81100d00 T __percpu_counter_init_many\n"
    "ffffffff81100e00 T percpu_counter_add_batch\n"
    "ffffffff81200000 t __mutex_lock.constprop.0\n"
    "ffffffff81200400 T mutex_lock_killable\n"
    "ffffffff81300000 T kthread\n"
    "ffffffff82b511a0 d pcpu_alloc_mutex\n"
    "ffffffff83fe0964 b pcpu_lock\n"
    "ffffffff84070a48 b percpu_counters_lock\n"
    "ffffffff84080000 d dup_lock\n"
    "ffffffff84080100 d dup_lock\n"
    "ffffffffc0a00000 t shadow_obj_ctor\t[shadowslab]\n"
    "ffffffffc0a00200 t shadow_cycle\t[shadowslab]\n"
    "ffffffffc0a10000 d shadow_run_lock\t[shadowslab]\n";

Kallsyms sample()
{
    std::istringstream in(kSample);
    return Kallsyms::parse(in, "test-kallsyms");
}

int error_of(const std::string& text, std::string* message = nullptr)
{
    std::istringstream in(text);
    try {
        Kallsyms::parse(in, "test-kallsyms");
    } catch (const TraceError& error) {
        if (message)
            *message = error.what();
        return error.code().value();
    }
    return 0;
}

}  // namespace

TEST(Kallsyms, ParsesCoreAndModuleSymbols)
{
    const Kallsyms symbols = sample();
    EXPECT_EQ(symbols.size(), 20u);
    const auto ctor = symbols.find("shadow_obj_ctor");
    ASSERT_EQ(ctor.size(), 1u);
    EXPECT_EQ(ctor[0]->address, 0xffffffffc0a00000u);
    EXPECT_EQ(ctor[0]->type, 't');
    EXPECT_EQ(ctor[0]->module, "shadowslab");
    EXPECT_TRUE(ctor[0]->is_text());
    const auto mutex = symbols.find("pcpu_alloc_mutex");
    ASSERT_EQ(mutex.size(), 1u);
    EXPECT_EQ(mutex[0]->module, "");
    EXPECT_TRUE(mutex[0]->is_data());
}

TEST(Kallsyms, AllZeroAddressesAreTheHiddenAddressesError)
{
    std::string message;
    EXPECT_EQ(error_of("0000000000000000 T _stext\n"
                       "0000000000000000 d pcpu_alloc_mutex\n"
                       "0000000000000000 t shadow_cycle\t[shadowslab]\n",
                       &message),
              EPERM);
    EXPECT_NE(message.find("lists every kernel address as 0"), std::string::npos) << message;
    EXPECT_NE(message.find("kptr_restrict"), std::string::npos) << message;
    EXPECT_NE(message.find("root"), std::string::npos) << message;
}

TEST(Kallsyms, EmptyAndMalformedFilesAreErrors)
{
    std::string message;
    EXPECT_EQ(error_of("", &message), ENODATA);
    EXPECT_NE(message.find("no kernel symbol"), std::string::npos) << message;
    EXPECT_EQ(error_of("ffffffff81000000 T _stext\nnot-hex T foo\n", &message), EINVAL);
    EXPECT_NE(message.find("line 2"), std::string::npos) << message;
    EXPECT_EQ(error_of("ffffffff81000000 TT foo\n"), EINVAL);
    EXPECT_EQ(error_of("ffffffff81000000 T foo shadowslab\n"), EINVAL);
}

TEST(Kallsyms, LoadNamesTheFileItCannotRead)
{
    try {
        Kallsyms::load("/nonexistent/kallsyms");
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("/nonexistent/kallsyms"), std::string::npos);
    }
}

TEST(Kallsyms, SymbolisesToSymbolPlusOffset)
{
    const Kallsyms symbols = sample();
    EXPECT_EQ(symbols.symbolize(0xffffffff8110056d), "pcpu_alloc+0x56d");
    EXPECT_EQ(symbols.symbolize(0xffffffff81100000), "pcpu_alloc+0x0");
    EXPECT_EQ(symbols.symbolize(0xffffffff8120012f), "__mutex_lock.constprop.0+0x12f");
    // Module symbols carry their module.
    EXPECT_EQ(symbols.symbolize(0xffffffffc0a0006e), "shadow_obj_ctor+0x6e [shadowslab]");
    EXPECT_EQ(symbols.symbolize(0xffffffffc0a00225), "shadow_cycle+0x25 [shadowslab]");
    // Below every symbol, or too far past the last: unknown, as hex.
    EXPECT_EQ(symbols.symbolize(0xffffffff80000000), "0xffffffff80000000");
    EXPECT_EQ(symbols.symbolize(0xffffffffc0c00000), "0xffffffffc0c00000");
    // Data symbols are not used to symbolise code addresses.
    // (pcpu_alloc_mutex is data, and the last text symbol is over 1 MiB back).
    EXPECT_EQ(symbols.symbolize(0xffffffff82b511a8), "0xffffffff82b511a8");
    const auto resolved = symbols.resolve(0xffffffffc0a0006e);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->symbol->name, "shadow_obj_ctor");
    EXPECT_EQ(resolved->offset, 0x6eu);
}

TEST(Kallsyms, VariableAddresses)
{
    const Kallsyms symbols = sample();
    EXPECT_EQ(symbols.variable_address("pcpu_alloc_mutex"), 0xffffffff82b511a0u);
    EXPECT_EQ(symbols.variable_address("pcpu_lock"), 0xffffffff83fe0964u);
    EXPECT_EQ(symbols.variable_address("shadow_run_lock", "shadowslab"), 0xffffffffc0a10000u);
}

TEST(Kallsyms, MissingAmbiguousAndNonVariableSymbolsAreErrors)
{
    const Kallsyms symbols = sample();
    try {
        symbols.variable_address("no_such_lock");
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        const std::string message = error.what();
        EXPECT_NE(message.find("lock symbol 'no_such_lock' is not in test-kallsyms"), std::string::npos) << message;
        EXPECT_NE(message.find("CONFIG_KALLSYMS_ALL"), std::string::npos) << message;
    }
    try {
        // A module's lock asked for as a core kernel one: say where it is.
        symbols.variable_address("shadow_run_lock");
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("shadowslab:shadow_run_lock"), std::string::npos) << error.what();
    }
    try {
        symbols.variable_address("dup_lock");
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOTUNIQ);
        EXPECT_NE(std::string(error.what()).find("0xffffffff84080000, 0xffffffff84080100"), std::string::npos);
    }
    try {
        symbols.variable_address("kthread");
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), EINVAL);
        EXPECT_NE(std::string(error.what()).find("not a variable"), std::string::npos);
    }
}

TEST(Kallsyms, FunctionRangesMergeNeighbours)
{
    const Kallsyms symbols = sample();
    const std::vector<AddressRange> ranges = symbols.function_ranges(is_percpu_allocator_function);
    // pcpu_alloc .. free_percpu are neighbours; is_kernel_percpu_address
    // breaks the run; __percpu_counter_init_many stands alone.
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0], (AddressRange{0xffffffff81100000, 0xffffffff81100c00}));
    EXPECT_EQ(ranges[1], (AddressRange{0xffffffff81100d00, 0xffffffff81100e00}));
}

TEST(Kallsyms, ResolveLocksDefaultsExtrasAndWarnings)
{
    const Kallsyms symbols = sample();
    TracerOptions options;
    std::vector<std::string> warnings;
    std::vector<TracedLock> locks = resolve_locks(symbols, options, warnings);
    ASSERT_EQ(locks.size(), 3u);
    EXPECT_EQ(locks[0].name, "pcpu_alloc_mutex");
    EXPECT_EQ(locks[2].address, 0xffffffff84070a48u);
    EXPECT_TRUE(warnings.empty());

    options.extra_locks = {"shadowslab:shadow_run_lock", "0xffffffff84080100", "pcpu_lock"};
    locks = resolve_locks(symbols, options, warnings);
    ASSERT_EQ(locks.size(), 5u);  // pcpu_lock is not traced twice
    EXPECT_EQ(locks[3].name, "shadowslab:shadow_run_lock");
    EXPECT_EQ(locks[4].address, 0xffffffff84080100u);

    options.extra_locks = {"no_such_lock"};
    try {
        resolve_locks(symbols, options, warnings);
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
    }

    // A default lock the kernel lacks is a warning; none at all, an error.
    std::istringstream partial("ffffffff81000000 T _stext\nffffffff82b511a0 d pcpu_alloc_mutex\n");
    const Kallsyms few = Kallsyms::parse(partial, "few");
    options.extra_locks.clear();
    warnings.clear();
    locks = resolve_locks(few, options, warnings);
    EXPECT_EQ(locks.size(), 1u);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[0].find("pcpu_lock is not in few"), std::string::npos) << warnings[0];
    std::istringstream none_in("ffffffff81000000 T _stext\n");
    const Kallsyms none = Kallsyms::parse(none_in, "none");
    try {
        resolve_locks(none, options, warnings);
        FAIL();
    } catch (const TraceError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("CONFIG_KALLSYMS_ALL"), std::string::npos);
    }
}

TEST(Kallsyms, DefaultPathHonoursTheTestHook)
{
    ::unsetenv("SHADOWCTL_KALLSYMS");
    EXPECT_EQ(Kallsyms::default_path(), "/proc/kallsyms");
    ::setenv("SHADOWCTL_KALLSYMS", "/tmp/fake", 1);
    EXPECT_EQ(Kallsyms::default_path(), "/tmp/fake");
    ::unsetenv("SHADOWCTL_KALLSYMS");
}

TEST(TracerOptions, WaitSlotsHonourTheTestHook)
{
    ::unsetenv("SHADOWCTL_TRACE_WAIT_SLOTS");
    EXPECT_EQ(TracerOptions::default_wait_slots(), 1024U);
    ::setenv("SHADOWCTL_TRACE_WAIT_SLOTS", "0", 1);
    EXPECT_EQ(TracerOptions::default_wait_slots(), 0U);
    // Not a number: a value the Tracer refuses, as it does any non-power of two.
    ::setenv("SHADOWCTL_TRACE_WAIT_SLOTS", "4x", 1);
    EXPECT_GT(TracerOptions::default_wait_slots(), 1024U);
    ::unsetenv("SHADOWCTL_TRACE_WAIT_SLOTS");
}
