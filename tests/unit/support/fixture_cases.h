// Test support: walking the peer fixture cases of ../shared/fixtures/<category> (each a
// directory with an expected.json and an input/ tree) and comparing each with what moat finds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dir_file_view.h"

namespace moat::testing {

// The directories under `category` that hold an expected.json, sorted.
inline std::vector<std::filesystem::path> fixture_case_dirs(const std::filesystem::path& category) {
    std::vector<std::filesystem::path> cases;
    for (const auto& entry : std::filesystem::directory_iterator(category))
        if (std::filesystem::exists(entry.path() / "expected.json")) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    return cases;
}

inline nlohmann::json load_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// Whether the peer ran with options other than its defaults (replace, offline, FileChecksum on).
inline bool uses_non_default_peer_options(const nlohmann::json& expected) {
    static const std::set<std::pair<std::string, nlohmann::json>> defaults = {
        {"replace", true}, {"offline", true}, {"FileChecksum", true}};
    if (!expected.contains("peer_config") || !expected["peer_config"].is_object()) return false;
    for (const auto& [key, value] : expected["peer_config"].items())
        if (!defaults.contains({key, value})) return true;
    return false;
}

// Every case of shared/fixtures/<category> run with the peer's default options: `problems`
// gives the differences between expected.json and what moat finds in the case ("" when they
// agree), each difference a failure naming the case; the tally is printed.
inline void expect_default_fixture_cases_match(
    const std::string& category,
    const std::function<std::string(const std::filesystem::path& dir,
                                    const nlohmann::json& expected)>& problems) {
    const std::filesystem::path root = shared_dir() / "fixtures" / category;
    const std::vector<std::filesystem::path> cases = fixture_case_dirs(root);
    ASSERT_FALSE(cases.empty()) << "no fixture cases under " << root;

    size_t passed = 0, skipped = 0;
    for (const auto& dir : cases) {
        const auto expected = load_json(dir / "expected.json");
        if (uses_non_default_peer_options(expected)) {
            std::cout << "[ fixtures ] skipped " << dir.filename().string() << ": peer_config "
                      << expected["peer_config"].dump() << "\n";
            ++skipped;
            continue;
        }
        const auto problem = problems(dir, expected);
        if (problem.empty())
            ++passed;
        else
            ADD_FAILURE() << dir.filename().string() << ":" << problem;
    }
    std::cout << "[ fixtures ] " << category << ": " << passed << "/" << cases.size() - skipped
              << " default cases match (" << skipped << " skipped for non-default peer options)\n";
}

}  // namespace moat::testing
