#include "common/output.hpp"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "shadowslab/error.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowctl {

void add_output_options(CLI::App& app, OutputOptions& output)
{
    app.add_flag("--json", output.json, "Print the result as one JSON object instead of text");
    app.add_option("-o,--output", output.path,
                   "Also write the result as JSON to FILE (with --json: only there, nothing on stdout)")
        ->type_name("FILE");
}

std::string schema_name(std::string_view name, int version)
{
    return fmt::format("shadowslab-{}/{}", name, version);
}

std::string schema_help(std::string_view name, int version, std::string_view output)
{
    return fmt::format("JSON (--json, {}): schema {}, described in docs/schema/shadowslab-{}-{}.json.", output,
                       schema_name(name, version), name, version);
}

void emit(const OutputOptions& output, std::string_view text, const Json& document,
          const std::vector<std::string>& warnings)
{
    if (output.text_wanted())
        write_output("-", text);
    else
        for (const std::string& warning : warnings)
            fmt::print(stderr, "shadowctl: warning: {}\n", warning);
    if (output.document_wanted())
        write_output(output.document_path(), document.dump(2) + "\n");
}

void write_all(int fd, std::string_view content, const std::string& what)
{
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            throw shadowslab::OperationError(errno, "write " + what);
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
}

void write_output(const std::string& path, std::string_view content)
{
    if (path == "-") {
        // Through stdio, so it stays in order with the rest of stdout.
        if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0)
            throw shadowslab::OperationError(errno, "write stdout");
        return;
    }
    const shadowslab::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0)
        throw shadowslab::OperationError(errno, "open " + path);
    write_all(fd.get(), content, path);
}

std::string fixed(std::optional<double> value, int decimals)
{
    return value ? fmt::format("{:.{}f}", *value, decimals) : "-";
}

std::string bytes(std::uint64_t count)
{
    if (count < 1024)
        return fmt::format("{} B", count);
    const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double scaled = static_cast<double>(count) / 1024;
    std::size_t unit = 0;
    while (scaled >= 1024 && unit + 1 < std::size(units)) {
        scaled /= 1024;
        ++unit;
    }
    return fmt::format("{} B ({:.1f} {})", count, scaled, units[unit]);
}

std::string duration(double ns)
{
    if (ns >= 1e9)
        return fmt::format("{:.3f} s", ns / 1e9);
    if (ns >= 1e6)
        return fmt::format("{:.2f} ms", ns / 1e6);
    if (ns >= 1e3)
        return fmt::format("{:.1f} us", ns / 1e3);
    return fmt::format("{:.0f} ns", ns);
}

Json json_or_null(std::optional<double> value)
{
    return value ? Json(*value) : Json(nullptr);
}

Json profile_to_json(const shadowslab::ProfileSpec& spec)
{
    Json regions = Json::array();
    for (const shadowslab::Region& region : spec.regions)
        regions.push_back({{"size", region.size}, {"align", region.align}});
    return {{"name", shadowslab::to_string(spec.profile)}, {"object_size", spec.object_size}, {"regions", regions}};
}

std::string utc_now()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string kernel_release()
{
    utsname name{};
    return uname(&name) == 0 ? name.release : "";
}

}  // namespace shadowctl
