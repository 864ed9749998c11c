// Test support: the tab-separated oracle files of the test image (expected/*.tsv): a header
// row, then one row per line; lines starting with '#' are comments.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace moat::testing {

inline std::vector<std::map<std::string, std::string>> read_tsv(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::vector<std::map<std::string, std::string>> rows;
    std::string line;
    std::vector<std::string> header;
    while (std::getline(in, line)) {
        if (line.starts_with('#')) continue;
        std::vector<std::string> cells;
        std::stringstream parts(line);
        for (std::string cell; std::getline(parts, cell, '\t');) cells.push_back(cell);
        if (!line.empty() && line.back() == '\t') cells.emplace_back();
        if (header.empty()) {
            header = cells;
            continue;
        }
        std::map<std::string, std::string> row;
        for (size_t i = 0; i < header.size(); ++i) row[header[i]] = i < cells.size() ? cells[i] : "";
        rows.push_back(std::move(row));
    }
    return rows;
}

inline std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::stringstream parts(text);
    for (std::string part; std::getline(parts, part, separator);)
        if (!part.empty()) out.push_back(part);
    return out;
}

}  // namespace moat::testing
