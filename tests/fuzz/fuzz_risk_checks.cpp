// Fuzzes the risk checks that read untrusted image content: the image config and history
// (check_image_config), the account and sshd files (check_baseline_files) and the malware
// scanner's rules. The first byte picks the target; the rest is the input.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "analyze/baseline/baseline_checks.h"
#include "analyze/config/config_checks.h"
#include "analyze/malware/malware_scanner.h"

namespace {

// The input's NUL-separated parts as etc/passwd, etc/shadow, etc/group, etc/ssh/sshd_config and
// one included sshd_config.d file.
class SplitFileView : public moat::FileView {
public:
    explicit SplitFileView(std::string_view text) {
        static const char* const kPaths[] = {"etc/passwd", "etc/shadow", "etc/group", "etc/ssh/sshd_config",
                                             "etc/ssh/sshd_config.d/a.conf"};
        for (const char* path : kPaths) {
            size_t end = text.find('\0');
            files_[path] = std::string(text.substr(0, end));
            if (end == std::string_view::npos) break;
            text.remove_prefix(end + 1);
        }
    }
    std::optional<moat::FileContent> read(std::string_view path) const override {
        auto it = files_.find(std::string(path));
        if (it == files_.end()) return std::nullopt;
        return moat::FileContent{it->first, "sha256:fuzz", it->second};
    }
    std::vector<moat::FileContent> files_matching(const std::function<bool(std::string_view)>& match) const override {
        std::vector<moat::FileContent> out;
        for (const auto& [path, bytes] : files_)
            if (match(path)) out.push_back(moat::FileContent{path, "sha256:fuzz", bytes});
        return out;
    }

private:
    std::map<std::string, std::string> files_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0: {
            (void)moat::parse_build_step(0, text);
            auto config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
            for (const auto& finding : moat::check_image_config(config))
                if (finding.kind != "config" || finding.id.empty()) std::abort();
            break;
        }
        case 1: {
            SplitFileView view(text);
            for (const auto& finding : moat::check_baseline_files(view, {}))
                if (finding.kind != "baseline" || finding.path.empty()) std::abort();
            break;
        }
        default: {
            static auto rules = moat::MalwareRules::load(moat::MalwareOptions{});
            if (!rules) std::abort();
            for (const auto& match : (*rules)->scan(text, ""))
                if (match.id.empty()) std::abort();
            break;
        }
    }
    return 0;
}
