// Python packages: installed distributions (site-packages / dist-packages metadata) and the
// lock and requirements files of pip, Pipenv, Poetry and uv. Every package has purl type pypi.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Installed distributions: NAME.dist-info/METADATA, NAME.egg-info/PKG-INFO, NAME.egg-info
// files and unzipped NAME.egg/EGG-INFO/PKG-INFO, wherever they are (site-packages,
// dist-packages, a virtualenv, a vendored copy).
class PythonInstalledAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "python-pkg"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

// Zipped eggs (NAME.egg files): the package is read from EGG-INFO/PKG-INFO inside.
class PythonEggAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "python-egg"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

// One kind of project file found by its file name anywhere in the image, parsed whole.
class PythonProjectFileAnalyzer : public PackageAnalyzer {
public:
    using Parser = std::vector<Package> (*)(std::string_view text, std::vector<std::string>& warnings);
    PythonProjectFileAnalyzer(std::string_view name, std::string_view file_name, Parser parse,
                              size_t max_bytes)
        : name_(name), file_name_(file_name), parse_(parse), max_bytes_(max_bytes) {}

    std::string_view name() const override { return name_; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;

private:
    std::string name_, file_name_;
    Parser parse_;
    size_t max_bytes_;
};

// requirements.txt (== pins only).
class PipRequirementsAnalyzer : public PythonProjectFileAnalyzer {
public:
    PipRequirementsAnalyzer();
};

// Pipfile.lock.
class PipenvLockAnalyzer : public PythonProjectFileAnalyzer {
public:
    PipenvLockAnalyzer();
};

// poetry.lock.
class PoetryLockAnalyzer : public PythonProjectFileAnalyzer {
public:
    PoetryLockAnalyzer();
};

// uv.lock.
class UvLockAnalyzer : public PythonProjectFileAnalyzer {
public:
    UvLockAnalyzer();
};

// All of the above, for the scanner's default set.
std::vector<std::unique_ptr<PackageAnalyzer>> python_package_analyzers();

}  // namespace moat
