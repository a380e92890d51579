// What report's output and diff share: see report_json.hpp.

#include "report/report_json.hpp"

#include <fmt/format.h>

namespace shadowctl {

std::optional<double> json_number(const Json& object, const std::string& key)
{
    if (!object.is_object())
        return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number())
        return std::nullopt;
    return it->get<double>();
}

std::string json_text(const Json& object, const std::string& key)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json& json_member(const Json& object, const std::string& key)
{
    static const Json null = nullptr;
    if (!object.is_object())
        return null;
    const auto it = object.find(key);
    return it == object.end() ? null : *it;
}

namespace {

// Markdown table cells may not hold a bare "|".
std::string cell(const std::string& value)
{
    std::string out;
    for (const char c : value) {
        if (c == '|')
            out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

std::string markdown_table(const std::vector<std::string>& headers,
                           const std::vector<std::vector<std::string>>& rows)
{
    std::string out = "|";
    std::string rule = "|";
    for (const std::string& header : headers) {
        out += " " + cell(header) + " |";
        rule += "---|";
    }
    out += "\n" + rule + "\n";
    for (const auto& row : rows) {
        out += "|";
        for (const std::string& value : row)
            out += " " + cell(value) + " |";
        out += "\n";
    }
    return out;
}

std::string ratio_text(const Json& ratio)
{
    const auto value = json_number(ratio, "value");
    if (!value)
        return "-";
    const auto low = json_number(ratio, "ci95_low");
    const auto high = json_number(ratio, "ci95_high");
    if (!low || !high)
        return fmt::format("{:.2f} (one round: no interval)", *value);
    return fmt::format("{:.2f} (95% interval {:.2f} to {:.2f})", *value, *low, *high);
}

}  // namespace shadowctl
