// Fuzzes OS detection: the input, split at NUL bytes, becomes the files the detector asks for
// (os-release, the older release files, a status.d entry), in the order of its interest.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "analyze/os/os_detector.h"

namespace {

class MemoryFileView : public moat::FileView {
public:
    explicit MemoryFileView(std::map<std::string, std::string> files) : files_(std::move(files)) {}
    std::optional<moat::FileContent> read(std::string_view path) const override {
        auto it = files_.find(std::string(path));
        if (it == files_.end()) return std::nullopt;
        return moat::FileContent{it->first, "", it->second};
    }
    std::vector<moat::FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const override {
        std::vector<moat::FileContent> out;
        for (const auto& [path, body] : files_)
            if (match(path)) out.push_back(moat::FileContent{path, "", body});
        return out;
    }

private:
    std::map<std::string, std::string> files_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)moat::parse_os_release(input);

    auto paths = moat::OsDetector::interest().exact;
    paths.push_back("var/lib/dpkg/status.d/base-files");
    std::map<std::string, std::string> files;
    for (const auto& path : paths) {
        if (input.empty()) break;
        const auto end = input.find('\0');
        if (end != 0) files[path] = std::string(input.substr(0, end));  // empty part: no file
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    }
    const auto os = moat::OsDetector().detect(MemoryFileView(std::move(files)));
    if (os && os->family.empty()) std::abort();
    return 0;
}
