#include "vulndb/cve_severity.h"

#include <memory>

#include <fmt/format.h>
#include <simdjson.h>

#include "vulndb/osv_import.h"

namespace moat {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

struct Candidate {
    int rank = 99;  // lower is better
    CveSeverity rating;
};

// One `metrics[]` list of a CNA or ADP container.
void consider_metrics(element metrics, int provider_rank, std::string_view provider,
                      Candidate& best) {
    array list;
    if (metrics.get(list) != simdjson::SUCCESS) return;
    static constexpr std::pair<std::string_view, int> kVersions[] = {
        {"cvssV3_1", 0}, {"cvssV3_0", 1}, {"cvssV4_0", 2}};
    for (element metric : list) {
        object fields;
        if (metric.get(fields) != simdjson::SUCCESS) continue;
        for (const auto& [key, version_rank] : kVersions) {
            object cvss;
            if (fields[key].get(cvss) != simdjson::SUCCESS) continue;
            int rank = provider_rank * 10 + version_rank;
            if (rank >= best.rank) continue;
            std::string_view vector, base_severity;
            double score = -1;
            if (cvss["vectorString"].get(vector) != simdjson::SUCCESS) vector = {};
            if (cvss["baseSeverity"].get(base_severity) != simdjson::SUCCESS) base_severity = {};
            if (cvss["baseScore"].get(score) != simdjson::SUCCESS) {
                int64_t whole;
                if (cvss["baseScore"].get(whole) == simdjson::SUCCESS) score = static_cast<double>(whole);
            }
            if (score < 0 && version_rank < 2)
                if (auto computed = cvss3_base_score(vector)) score = *computed;
            std::optional<Severity> severity = parse_severity(base_severity);
            if (severity == Severity::Unknown) severity.reset();
            if (!severity && score >= 0 && score <= 10) severity = severity_from_cvss_score(score);
            if (!severity) continue;
            best.rank = rank;
            best.rating.severity = *severity;
            best.rating.score = score >= 0 && score <= 10 ? score : 0;
            best.rating.vector.assign(vector);
            best.rating.provider.assign(provider);
        }
    }
}

std::string_view short_name(element container) {
    std::string_view name;
    if (container.at_pointer("/providerMetadata/shortName").get(name) != simdjson::SUCCESS) return "";
    return name;
}

}  // namespace

struct CveRecordReader::Impl {
    simdjson::dom::parser parser;
    std::string copy;
};

CveRecordReader::CveRecordReader() : impl_(std::make_unique<Impl>()) {}
CveRecordReader::~CveRecordReader() = default;

Result<std::optional<CveSeverity>> CveRecordReader::read(std::string_view json,
                                                         CveSeverityCounts& counts) {
    element document;
    auto error = impl_->parser.parse(json.data(), json.size(), false).get(document);
    if (error != simdjson::SUCCESS)
        return Error{std::string("invalid JSON: ") + simdjson::error_message(error)};
    std::string_view cve_id;
    if (document.at_pointer("/cveMetadata/cveId").get(cve_id) != simdjson::SUCCESS ||
        cve_id_in(cve_id) != cve_id) {
        ++counts.skipped;
        return std::optional<CveSeverity>{};
    }
    ++counts.records;
    Candidate best;
    element cna;
    if (document.at_pointer("/containers/cna").get(cna) == simdjson::SUCCESS) {
        element metrics;
        if (cna["metrics"].get(metrics) == simdjson::SUCCESS)
            consider_metrics(metrics, 0, short_name(cna), best);
    }
    array adps;
    if (document.at_pointer("/containers/adp").get(adps) == simdjson::SUCCESS) {
        for (element adp : adps) {
            element metrics;
            if (adp["metrics"].get(metrics) == simdjson::SUCCESS)
                consider_metrics(metrics, 1, short_name(adp), best);
        }
    }
    if (best.rank == 99) return std::optional<CveSeverity>{};
    ++counts.rated;
    best.rating.cve_id.assign(cve_id);
    return std::optional<CveSeverity>(std::move(best.rating));
}

Result<std::optional<CveSeverity>> CveRecordReader::read_copy(std::string_view json,
                                                              CveSeverityCounts& counts) {
    impl_->copy.assign(json);
    impl_->copy.append(kJsonPadding, '\0');
    return read(std::string_view(impl_->copy.data(), json.size()), counts);
}

Status read_cve_severity_zip(const std::filesystem::path& zip, std::vector<CveSeverity>& out,
                             CveSeverityCounts& counts) {
    CveRecordReader reader;
    return for_each_zip_entry(zip, [&](std::string_view name, std::string_view body) -> Status {
        if (!name.ends_with(".json")) return Status::Ok();
        auto rating = reader.read(body, counts);
        if (!rating)
            return Error{fmt::format("{}: entry {}: {}", zip.string(), name, rating.error().message)};
        if (*rating) out.push_back(std::move(**rating));
        return Status::Ok();
    });
}

}  // namespace moat
