// Test support: a FileView over files given inline (path -> body), every file reported as read
// from the layer `layer_digest` (none by default), so analyzers can be tested without an image.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/file_view.h"

namespace moat::testing {

class MemoryFileView : public FileView {
public:
    explicit MemoryFileView(std::map<std::string, std::string> files, std::string layer_digest = "")
        : files_(std::move(files)), layer_digest_(std::move(layer_digest)) {}

    std::optional<FileContent> read(std::string_view path) const override {
        auto it = files_.find(std::string(path));
        if (it == files_.end()) return std::nullopt;
        return FileContent{it->first, layer_digest_, it->second};
    }

    std::vector<FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const override {
        std::vector<FileContent> out;
        for (const auto& [path, body] : files_)
            if (match(path)) out.push_back(FileContent{path, layer_digest_, body});
        return out;
    }

private:
    std::map<std::string, std::string> files_;
    std::string layer_digest_;
};

}  // namespace moat::testing
