// Reading the OSV records of an OSV-export zip (an `all.zip`) with libarchive, shared by the
// unit tests, the integration tests and the benchmarks (all of which put tests/ on their include
// path: include it as "test_support/osv_zip.h"). Header-only and free of gtest, so that the
// benchmarks can use it; each caller reports an unreadable zip its own way.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::test_support {

// Calls visit(name, body) for every entry of the zip at `zip_path`, in archive order. False, with
// libarchive's message in *error, when the zip cannot be opened; a read error part-way through
// an entry or the archive ends the walk quietly (the entry's body is what was read).
inline bool for_each_zip_entry(
    const std::filesystem::path& zip_path,
    const std::function<void(const std::string& name, const std::string& body)>& visit,
    std::string* error = nullptr) {
    archive* zip = archive_read_new();
    archive_read_support_format_zip(zip);
    if (archive_read_open_filename(zip, zip_path.c_str(), 1 << 16) != ARCHIVE_OK) {
        if (error) {
            const char* message = archive_error_string(zip);
            *error = message ? message : "cannot open";
        }
        archive_read_free(zip);
        return false;
    }
    archive_entry* entry = nullptr;
    std::string name, body;
    char buffer[1 << 16];
    while (archive_read_next_header(zip, &entry) == ARCHIVE_OK) {
        const char* pathname = archive_entry_pathname(entry);
        name = pathname ? pathname : "";
        body.clear();
        for (la_ssize_t n; (n = archive_read_data(zip, buffer, sizeof buffer)) > 0;)
            body.append(buffer, static_cast<size_t>(n));
        visit(name, body);
    }
    archive_read_free(zip);
    return true;
}

// Every record of the zip parsed as JSON; entries that are not a JSON object are skipped.
// False, with the message in *error, when the zip cannot be opened.
inline bool for_each_osv_record(const std::filesystem::path& zip_path,
                                const std::function<void(const nlohmann::json& record)>& visit,
                                std::string* error = nullptr) {
    return for_each_zip_entry(
        zip_path,
        [&](const std::string&, const std::string& body) {
            auto record = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
            if (record.is_object()) visit(record);
        },
        error);
}

// Every record whose text holds `must_contain` (a cheap pre-filter), parsed with nlohmann-json;
// throws std::runtime_error when the zip cannot be opened and json::parse_error on a bad record.
inline void for_each_zip_record(const std::filesystem::path& zip_path, std::string_view must_contain,
                                const std::function<void(const nlohmann::json&)>& visit) {
    std::string error;
    bool opened = for_each_zip_entry(
        zip_path,
        [&](const std::string&, const std::string& body) {
            if (body.find(must_contain) == std::string::npos) return;
            visit(nlohmann::json::parse(body));
        },
        &error);
    if (!opened) throw std::runtime_error(zip_path.string() + ": " + error);
}

// visit(package, kind, version) for every event of every range of every affected entry of an OSV
// record whose version is a string other than "0" (kind: "introduced", "fixed", "last_affected",
// "limit"; package: the affected entry's package name, empty when it has none).
inline void for_each_event_version(
    const nlohmann::json& record,
    const std::function<void(const std::string& package, const std::string& kind,
                             const std::string& version)>& visit) {
    for (const auto& affected : record.value("affected", nlohmann::json::array())) {
        std::string package;
        if (auto it = affected.find("package"); it != affected.end() && it->is_object())
            package = it->value("name", std::string());
        for (const auto& range : affected.value("ranges", nlohmann::json::array()))
            for (const auto& event : range.value("events", nlohmann::json::array()))
                for (const auto& [kind, version] : event.items())
                    if (version.is_string() && version != "0")
                        visit(package, kind, version.get<std::string>());
    }
}

// (package, version) of every event of every OSV record in the zip whose version is a string
// other than "0", "limit" events left out, appended to *found. False, with the message in
// *error, when the zip cannot be opened.
inline bool osv_package_versions(const std::filesystem::path& zip_path,
                                 std::vector<std::pair<std::string, std::string>>* found,
                                 std::string* error = nullptr) {
    return for_each_osv_record(
        zip_path,
        [&](const nlohmann::json& record) {
            for_each_event_version(record, [&](const std::string& package, const std::string& kind,
                                               const std::string& version) {
                if (kind != "limit") found->emplace_back(package, version);
            });
        },
        error);
}

}  // namespace moat::test_support
