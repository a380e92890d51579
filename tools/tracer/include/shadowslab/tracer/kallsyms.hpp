#pragma once

// /proc/kallsyms: kernel symbols, the core kernel's and the modules'
// ("ffffffffc0a01000 t shadow_cycle\t[shadowslab]"), to resolve lock
// variables to addresses and to symbolise stack addresses as "sym+0xoff".
//
// The file lists every address as 0 to a reader the kernel does not trust
// with them (kernel.kptr_restrict, and CAP_SYSLOG; Debian also sets
// kernel.perf_event_paranoid=3): parse() then throws TraceError(EPERM)
// saying so, because every lookup would otherwise fail or be wrong.
// Data symbols (a lock variable such as pcpu_alloc_mutex) are listed only
// with CONFIG_KALLSYMS_ALL=y.

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shadowslab::tracer {

struct KernelSymbol {
    std::uint64_t address = 0;
    char type = '?';     // nm-style: t/T text, d/D data, b/B bss, r/R rodata...
    std::string name;
    std::string module;  // "" for the core kernel (vmlinux)

    bool is_text() const { return type == 't' || type == 'T'; }
    bool is_data() const;  // d D b B r R: a variable
};

// [start, end) addresses.
struct AddressRange {
    std::uint64_t start = 0;
    std::uint64_t end = 0;

    friend bool operator==(const AddressRange&, const AddressRange&) = default;
};

// An address inside a symbol: symbol + offset.
struct ResolvedAddress {
    const KernelSymbol* symbol = nullptr;
    std::uint64_t offset = 0;
};

class Kallsyms {
public:
    // Where to read them; SHADOWCTL_KALLSYMS in the environment replaces it
    // (a test hook: tests feed a made-up or zeroed file).
    static std::string default_path();

    // Throws TraceError: EPERM when every address is 0 (hidden), ENODATA
    // when there is no symbol at all, EINVAL naming the first malformed line.
    static Kallsyms parse(std::istream& in, const std::string& source = "/proc/kallsyms");
    // Reads the file at `path`; TraceError with the errno if it cannot.
    static Kallsyms load(const std::string& path);

    std::size_t size() const { return symbols_.size(); }
    const std::string& source() const { return source_; }

    // Every symbol called `name`, in file order.
    std::vector<const KernelSymbol*> find(std::string_view name) const;

    // The address of the variable `name` (a data symbol), for a lock.
    // Prefers the core kernel's symbol; `module` (non-empty) picks that
    // module's instead.  TraceError(ENOENT) if there is none, with what to
    // do; TraceError(ENOTUNIQ) if several distinct ones fit.
    std::uint64_t variable_address(std::string_view name, std::string_view module = {}) const;

    // The text symbol an address falls into (the nearest one at or below
    // it, no further than kMaxSymbolSize), or nullopt.
    std::optional<ResolvedAddress> resolve(std::uint64_t address) const;

    // "pcpu_alloc+0x5ec", "shadow_obj_ctor+0x6e [shadowslab]", or
    // "0xffffffffc0a01234" when nothing fits.
    std::string symbolize(std::uint64_t address) const;

    // The core kernel's functions whose name `match`es, as address ranges:
    // a function runs to the next text symbol, and neighbours merge.
    std::vector<AddressRange> function_ranges(bool (*match)(std::string_view)) const;

    // No kernel function is this large: beyond it an address is unknown.
    static constexpr std::uint64_t kMaxSymbolSize = 1 << 20;

private:
    std::string source_;
    std::vector<KernelSymbol> symbols_;        // file order
    std::vector<std::size_t> by_address_;  // indices of text symbols, by address
};

// "name+0xoff [module]" for a resolved address (no module part for vmlinux).
std::string format_symbol(const ResolvedAddress& resolved);

}  // namespace shadowslab::tracer
