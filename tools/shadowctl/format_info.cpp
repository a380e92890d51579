#include "format_info.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shadowslab/names.hpp"

namespace shadowctl {

std::optional<std::string> abi_mismatch_warning(std::uint32_t module_abi_version)
{
    if (module_abi_version == SHADOWSLAB_ABI_VERSION)
        return std::nullopt;
    return fmt::format(
        "the module speaks ABI version {} but this shadowctl was built for version {}; results may be "
        "incomplete or misread: rebuild the tools and the module from the same tree",
        module_abi_version, SHADOWSLAB_ABI_VERSION);
}

std::string format_info_text(const InfoReport& report)
{
    const shadowslab_info& info = report.info;
    const auto cpus = [](std::uint32_t count, const std::string& list) {
        return list.empty() ? fmt::format("{}", count) : fmt::format("{} ({})", count, list);
    };
    const auto features = shadowslab::feature_names(info.features);

    std::string text;
    text += fmt::format("ABI version      {} (shadowctl: {})\n", info.abi_version, SHADOWSLAB_ABI_VERSION);
    text += fmt::format("module version   {}\n", shadowslab::fixed_string(info.module_version));
    text += fmt::format("kernel release   {}\n", shadowslab::fixed_string(info.kernel_release));
    text += fmt::format("nr_cpu_ids       {}\n", info.nr_cpu_ids);
    text += fmt::format("possible CPUs    {}\n", cpus(info.nr_possible_cpus, report.possible_cpus));
    text += fmt::format("online CPUs      {}\n", cpus(info.nr_online_cpus, report.online_cpus));
    text += fmt::format("mm_struct size   {} bytes\n", info.mm_struct_size);
    text += fmt::format("percpu memory    {} allocations, {} frees by the module since it was loaded\n",
                        info.percpu_allocs, info.percpu_frees);
    text += fmt::format("features         {}\n", features.empty() ? "none" : fmt::format("{}", fmt::join(features, ", ")));
    return text;
}

Json info_to_json(const InfoReport& report)
{
    const shadowslab_info& info = report.info;
    const auto list_or_null = [](const std::string& list) {
        return list.empty() ? Json(nullptr) : Json(list);
    };
    return {
        {"abi_version", info.abi_version},
        {"tool_abi_version", SHADOWSLAB_ABI_VERSION},
        {"abi_match", info.abi_version == SHADOWSLAB_ABI_VERSION},
        {"module_version", shadowslab::fixed_string(info.module_version)},
        {"kernel_release", shadowslab::fixed_string(info.kernel_release)},
        {"nr_cpu_ids", info.nr_cpu_ids},
        {"nr_possible_cpus", info.nr_possible_cpus},
        {"nr_online_cpus", info.nr_online_cpus},
        {"possible_cpus", list_or_null(report.possible_cpus)},
        {"online_cpus", list_or_null(report.online_cpus)},
        {"mm_struct_size", info.mm_struct_size},
        {"percpu_allocs", info.percpu_allocs},
        {"percpu_frees", info.percpu_frees},
        {"features", shadowslab::feature_names(info.features)},
        {"features_raw", info.features},
    };
}

}  // namespace shadowctl
