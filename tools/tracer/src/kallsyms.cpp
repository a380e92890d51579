#include "shadowslab/tracer/kallsyms.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "shadowslab/tracer/trace_error.hpp"

namespace shadowslab::tracer {

namespace {

constexpr const char* kKptrRestrictPath = "/proc/sys/kernel/kptr_restrict";

std::string_view next_field(std::string_view& line)
{
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        line = {};
        return {};
    }
    line.remove_prefix(start);
    const auto end = line.find_first_of(" \t");
    const std::string_view field = line.substr(0, end);
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    return field;
}

int read_sysctl(const char* path)
{
    std::ifstream in(path);
    int value = -1;
    return in >> value ? value : -1;
}

// Why the addresses are hidden, and what to do, from the two sysctls
// kallsyms_show_value() looks at.
std::string hidden_hint()
{
    const int kptr_restrict = read_sysctl(kKptrRestrictPath);
    const int paranoid = read_sysctl("/proc/sys/kernel/perf_event_paranoid");
    switch (kptr_restrict) {
    case 0:
        return fmt::format("kernel.kptr_restrict is 0, but kernel.perf_event_paranoid is {}, so only CAP_SYSLOG "
                           "sees them: run shadowctl as root (or set 'sysctl kernel.perf_event_paranoid=1')",
                           paranoid);
    case 1:
        return "kernel.kptr_restrict is 1: only CAP_SYSLOG sees them: run shadowctl as root";
    case 2:
        return "kernel.kptr_restrict is 2: they are hidden even from root: 'sysctl kernel.kptr_restrict=1', "
               "then run shadowctl as root";
    default:
        return "run shadowctl as root (it needs CAP_SYSLOG to see them), or lower kernel.kptr_restrict";
    }
}

}  // namespace

bool KernelSymbol::is_data() const
{
    switch (type) {
    case 'd': case 'D': case 'b': case 'B': case 'r': case 'R':
        return true;
    default:
        return false;
    }
}

std::string Kallsyms::default_path()
{
    const char* path = std::getenv("SHADOWCTL_KALLSYMS");
    return path && *path ? path : "/proc/kallsyms";
}

Kallsyms Kallsyms::parse(std::istream& in, const std::string& source)
{
    Kallsyms result;
    result.source_ = source;
    bool any_address = false;
    std::string text;
    for (std::size_t number = 1; std::getline(in, text); ++number) {
        std::string_view line = text;
        const std::string_view address = next_field(line);
        if (address.empty())
            continue;
        const std::string_view type = next_field(line);
        const std::string_view name = next_field(line);
        const std::string_view module = next_field(line);
        KernelSymbol symbol;
        const auto [end, error] = std::from_chars(address.data(), address.data() + address.size(), symbol.address, 16);
        if (error != std::errc() || end != address.data() + address.size() || type.size() != 1 || name.empty() ||
            (!module.empty() && (module.size() < 3 || module.front() != '[' || module.back() != ']')))
            throw TraceError(EINVAL, fmt::format("{}: line {} is not \"ADDRESS TYPE NAME [MODULE]\": '{}'", source,
                                                 number, text));
        symbol.type = type.front();
        symbol.name = name;
        if (!module.empty())
            symbol.module = module.substr(1, module.size() - 2);
        any_address = any_address || symbol.address != 0;
        result.symbols_.push_back(std::move(symbol));
    }
    if (result.symbols_.empty())
        throw TraceError(ENODATA, fmt::format("{} lists no kernel symbol: is /proc mounted, and is the kernel built "
                                              "with CONFIG_KALLSYMS=y?",
                                              source));
    if (!any_address)
        throw TraceError(EPERM,
                         fmt::format("{} lists every kernel address as 0: the kernel hides them from this process; "
                                     "{}.  Tracing also needs CAP_BPF and CAP_PERFMON",
                                     source, hidden_hint()));

    const std::vector<KernelSymbol>& symbols = result.symbols_;
    for (std::size_t i = 0; i < symbols.size(); ++i)
        if (symbols[i].is_text() && symbols[i].address != 0)
            result.by_address_.push_back(i);
    std::stable_sort(result.by_address_.begin(), result.by_address_.end(),
                     [&symbols](std::size_t a, std::size_t b) { return symbols[a].address < symbols[b].address; });
    return result;
}

Kallsyms Kallsyms::load(const std::string& path)
{
    std::ifstream in(path);
    if (!in) {
        const int err = errno ? errno : ENOENT;
        throw TraceError(err, fmt::format("cannot read {}: {}; is /proc mounted?", path,
                                          std::generic_category().message(err)));
    }
    return parse(in, path);
}

std::vector<const KernelSymbol*> Kallsyms::find(std::string_view name) const
{
    std::vector<const KernelSymbol*> found;
    for (const KernelSymbol& symbol : symbols_)
        if (symbol.name == name)
            found.push_back(&symbol);
    return found;
}

std::uint64_t Kallsyms::variable_address(std::string_view name, std::string_view module) const
{
    const std::vector<const KernelSymbol*> all = find(name);
    std::vector<std::uint64_t> addresses;
    bool other_kind = false;
    for (const KernelSymbol* symbol : all) {
        if (symbol->module != module)
            continue;
        if (!symbol->is_data()) {
            other_kind = true;
            continue;
        }
        if (std::find(addresses.begin(), addresses.end(), symbol->address) == addresses.end())
            addresses.push_back(symbol->address);
    }
    const std::string where = module.empty() ? std::string("the kernel") : fmt::format("module {}", module);
    if (addresses.size() == 1)
        return addresses.front();
    if (addresses.empty()) {
        if (other_kind)
            throw TraceError(EINVAL, fmt::format("lock symbol '{}' in {} is not a variable in {}: name the lock "
                                                 "variable itself (e.g. pcpu_alloc_mutex)",
                                                 name, where, source_));
        std::string hint = fmt::format("check the name (grep -w {} {})", name, source_);
        if (!all.empty())
            hint += fmt::format("; it exists in {}: name it as {}:{}",
                                all.front()->module.empty() ? "the kernel" : "module " + all.front()->module,
                                all.front()->module.empty() ? "vmlinux" : all.front()->module, name);
        throw TraceError(ENOENT, fmt::format("lock symbol '{}' is not in {} ({}): {}; lock variables are listed "
                                             "only if the kernel has CONFIG_KALLSYMS_ALL=y",
                                             name, source_, where, hint));
    }
    std::string list;
    for (const std::uint64_t address : addresses)
        list += fmt::format("{}0x{:x}", list.empty() ? "" : ", ", address);
    throw TraceError(ENOTUNIQ, fmt::format("lock symbol '{}' names {} variables in {} ({}): give the one you mean "
                                           "by address (--lock-symbol 0xADDRESS)",
                                           name, addresses.size(), where, list));
}

std::optional<ResolvedAddress> Kallsyms::resolve(std::uint64_t address) const
{
    const auto after =
        std::upper_bound(by_address_.begin(), by_address_.end(), address,
                         [this](std::uint64_t value, std::size_t index) { return value < symbols_[index].address; });
    if (after == by_address_.begin())
        return std::nullopt;
    const KernelSymbol* symbol = &symbols_[*std::prev(after)];
    const std::uint64_t offset = address - symbol->address;
    if (offset >= kMaxSymbolSize)
        return std::nullopt;
    return ResolvedAddress{symbol, offset};
}

std::vector<AddressRange> Kallsyms::function_ranges(bool (*match)(std::string_view)) const
{
    std::vector<AddressRange> ranges;
    for (std::size_t i = 0; i < by_address_.size(); ++i) {
        const KernelSymbol& symbol = symbols_[by_address_[i]];
        if (!symbol.module.empty() || !match(symbol.name))
            continue;
        // Ends where the next symbol at a higher address starts.
        std::uint64_t end = symbol.address + kMaxSymbolSize;
        for (std::size_t j = i + 1; j < by_address_.size(); ++j) {
            if (symbols_[by_address_[j]].address > symbol.address) {
                end = std::min(end, symbols_[by_address_[j]].address);
                break;
            }
        }
        if (!ranges.empty() && ranges.back().end >= symbol.address)
            ranges.back().end = std::max(ranges.back().end, end);
        else
            ranges.push_back(AddressRange{symbol.address, end});
    }
    return ranges;
}

std::string Kallsyms::symbolize(std::uint64_t address) const
{
    const auto resolved = resolve(address);
    return resolved ? format_symbol(*resolved) : fmt::format("0x{:x}", address);
}

std::string format_symbol(const ResolvedAddress& resolved)
{
    std::string text = fmt::format("{}+0x{:x}", resolved.symbol->name, resolved.offset);
    if (!resolved.symbol->module.empty())
        text += fmt::format(" [{}]", resolved.symbol->module);
    return text;
}

}  // namespace shadowslab::tracer
