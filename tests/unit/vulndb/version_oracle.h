// Differential tests of the language version schemes against the ecosystems' own code, when
// it is installed: pairs of versions go to a small oracle program (a few lines of Python, Node,
// Go or Java written here, calling the ecosystem's library) as "a<TAB>b" lines; it answers
// -1, 0, 1, or "invalid:XY" when its library refuses either version (X, Y: 1 when a, b are
// valid, else 0). Pairs come from the real
// advisories (versions of the same package side by side, and random ones) and from random
// strings built of tokens of the ecosystem's grammar.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "test_support/osv_zip.h"
#include "vulndb/version/version_compare.h"

namespace moat::test_support {

using VersionPairs = std::vector<std::pair<std::string, std::string>>;

inline bool oracle_safe(const std::string& version) {
    return std::none_of(version.begin(), version.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; });
}

// Up to `count` pairs: half neighbours (consecutive versions named by one affected entry),
// half random pairs of distinct versions of the whole zip.
inline VersionPairs advisory_version_pairs(const std::filesystem::path& zip, size_t count, unsigned seed = 440) {
    VersionPairs neighbours;
    std::set<std::string> distinct;
    for_each_osv_record(zip, [&](const nlohmann::json& record) {
        for (const auto& affected : record.value("affected", nlohmann::json::array())) {
            std::vector<std::string> versions;
            for (const auto& range : affected.value("ranges", nlohmann::json::array()))
                for (const auto& event : range.value("events", nlohmann::json::array()))
                    for (const auto& [kind, version] : event.items())
                        if (version.is_string() && version != "0") versions.push_back(version.get<std::string>());
            for (const auto& version : affected.value("versions", nlohmann::json::array()))
                if (version.is_string()) versions.push_back(version.get<std::string>());
            versions.erase(std::remove_if(versions.begin(), versions.end(),
                                          [](const std::string& v) { return !oracle_safe(v); }),
                           versions.end());
            for (size_t i = 0; i + 1 < versions.size(); ++i) neighbours.emplace_back(versions[i], versions[i + 1]);
            distinct.insert(versions.begin(), versions.end());
        }
    });
    std::mt19937 random(seed);
    std::shuffle(neighbours.begin(), neighbours.end(), random);
    if (neighbours.size() > count / 2) neighbours.resize(count / 2);
    std::vector<std::string> all(distinct.begin(), distinct.end());
    VersionPairs pairs = std::move(neighbours);
    for (size_t i = 0; !all.empty() && pairs.size() < count && i < count; ++i)
        pairs.emplace_back(all[random() % all.size()], all[random() % all.size()]);
    return pairs;
}

// `count` pairs of strings built from `slots`: one random alternative of each slot, in order
// (mostly versions of the grammar, some near misses, depending on the alternatives).
inline VersionPairs grammar_pairs(const std::vector<std::vector<std::string>>& slots, size_t count,
                                  unsigned seed = 7) {
    std::mt19937 random(seed);
    auto one = [&] {
        std::string out;
        for (const auto& slot : slots) out += slot[random() % slot.size()];
        return out;
    };
    VersionPairs pairs;
    while (pairs.size() < count) pairs.emplace_back(one(), one());
    return pairs;
}

inline std::filesystem::path oracle_temp(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("moat-oracle-" + std::to_string(::getpid()) + "-" + name);
}

// Runs `command` with the pairs on its standard input; its output lines, or none when it failed.
inline std::vector<std::string> run_oracle(const std::string& command, const VersionPairs& pairs) {
    const auto input = oracle_temp("pairs.txt");
    {
        std::ofstream out(input);
        for (const auto& [a, b] : pairs) out << a << '\t' << b << '\n';
    }
    std::vector<std::string> lines;
    FILE* pipe = ::popen((command + " < '" + input.string() + "' 2>/dev/null").c_str(), "r");
    if (pipe) {
        std::string line;
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe)) {
            line += buffer;
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
                lines.push_back(line);
                line.clear();
            }
        }
        if (::pclose(pipe) != 0) lines.clear();
    }
    std::filesystem::remove(input);
    return lines;
}

// Our verdict on each pair against the oracle's: the same validity, and for valid pairs the
// same order. Returns false (after a skip note) when the oracle did not answer.
inline bool expect_oracle_agrees(VersionScheme scheme, const std::string& label, const std::string& command,
                                 const VersionPairs& pairs) {
    std::vector<std::string> verdicts = run_oracle(command, pairs);
    if (verdicts.size() != pairs.size()) {
        std::cout << "[ oracle ] " << label << ": the oracle did not answer (" << verdicts.size() << " of "
                  << pairs.size() << " lines)\n";
        return false;
    }
    size_t compared = 0, refused = 0, disagreements = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto& [a, b] = pairs[i];
        const bool a_valid = is_valid_version(scheme, a), b_valid = is_valid_version(scheme, b);
        const std::string validity = std::string("invalid:") + (a_valid ? '1' : '0') + (b_valid ? '1' : '0');
        const bool oracle_refused = verdicts[i].rfind("invalid:", 0) == 0;
        if ((a_valid && b_valid) == oracle_refused || (oracle_refused && verdicts[i] != validity)) {
            if (++disagreements <= 20)
                ADD_FAILURE() << label << ": validity of '" << a << "' / '" << b << "': ours " << a_valid << b_valid
                              << ", oracle " << verdicts[i];
            continue;
        }
        if (oracle_refused) {
            ++refused;
            continue;
        }
        ++compared;
        int ours = compare_versions(scheme, a, b);
        ours = (ours > 0) - (ours < 0);
        if (std::to_string(ours) != verdicts[i] && ++disagreements <= 20) {
            ADD_FAILURE() << label << ": '" << a << "' vs '" << b << "': ours " << ours << ", oracle " << verdicts[i];
        }
    }
    std::cout << "[ oracle ] " << label << ": " << pairs.size() << " pairs, " << compared << " compared, " << refused
              << " with a refused version (the same one), " << disagreements << " disagreements\n";
    EXPECT_EQ(disagreements, 0u) << label;
    return true;
}

}  // namespace moat::test_support
