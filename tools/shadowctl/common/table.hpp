#pragma once

// A plain-text table with aligned columns, for terminal output.

#include <string>
#include <vector>

namespace shadowctl {

class TextTable {
public:
    enum class Align { left, right };

    struct Column {
        std::string header;
        Align align = Align::right;
    };

    explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

    // Missing cells are left blank; extra cells are an error (std::logic_error).
    void add_row(std::vector<std::string> cells);

    // Header, then rows; columns two spaces apart, no trailing blanks.
    std::string render() const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace shadowctl
