#include "vulndb/bundled_sample.h"

#include <fstream>

#include <fmt/format.h>

#include "util/temp_dir.h"

namespace moat {

Result<std::filesystem::path> extract_bundled_sample() {
    auto temp = private_temp_dir();
    if (!temp) return temp.error();
    std::filesystem::path root = *temp / "vulndb-sample";
    std::error_code error;
    for (const auto& file : bundled_sample_files()) {
        std::filesystem::path target = root / file.path;
        std::filesystem::create_directories(target.parent_path(), error);
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out.write(file.begin, file.end - file.begin);
        if (!out) return Error{fmt::format("cannot write the bundled advisory sample to {}", target.string())};
    }
    if (bundled_sample_files().empty()) return Error{"this moat binary carries no advisory sample"};
    return root;
}

}  // namespace moat
