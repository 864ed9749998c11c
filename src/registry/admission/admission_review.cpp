#include "registry/admission/admission_review.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::registry {

namespace {

using nlohmann::json;

const json* child(const json& node, std::string_view key) {
    if (!node.is_object()) return nullptr;
    auto found = node.find(key);
    return found == node.end() ? nullptr : &*found;
}

std::string string_field(const json& node, std::string_view key) {
    const json* value = child(node, key);
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

// The pod spec of a Pod or of a workload's pod template, by the object's kind.
const json* pod_spec_of(const json& object, std::string_view kind) {
    const json* spec = child(object, "spec");
    if (!spec) return nullptr;
    if (kind == "Pod") return spec;
    if (kind == "CronJob") {
        const json* job_template = child(*spec, "jobTemplate");
        spec = job_template ? child(*job_template, "spec") : nullptr;
        if (!spec) return nullptr;
    }
    // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController, and CronJob's job.
    const json* pod_template = child(*spec, "template");
    return pod_template ? child(*pod_template, "spec") : nullptr;
}

void collect_images(const json& pod_spec, std::vector<std::string>& images) {
    for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
        const json* containers = child(pod_spec, list);
        if (!containers || !containers->is_array()) continue;
        for (const auto& container : *containers) {
            std::string image = string_field(container, "image");
            if (!image.empty()) images.push_back(std::move(image));
        }
    }
}

}  // namespace

Result<AdmissionRequest> parse_admission_review(std::string_view text) {
    json document = json::parse(text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return Error{"AdmissionReview: not a JSON object"};
    AdmissionRequest request;
    request.api_version = string_field(document, "apiVersion");
    if (string_field(document, "kind") != "AdmissionReview")
        return Error{"AdmissionReview: \"kind\" must be \"AdmissionReview\""};
    if (request.api_version != "admission.k8s.io/v1")
        return Error{fmt::format("AdmissionReview: apiVersion \"{}\" is not supported (admission.k8s.io/v1 is)",
                                 request.api_version)};
    const json* body = child(document, "request");
    if (!body) return Error{"AdmissionReview: no \"request\""};
    request.uid = string_field(*body, "uid");
    if (request.uid.empty()) return Error{"AdmissionReview: request has no \"uid\""};
    if (const json* kind = child(*body, "kind")) request.kind = string_field(*kind, "kind");
    request.namespace_name = string_field(*body, "namespace");
    const json* object = child(*body, "object");
    if (!object || !object->is_object()) return request;  // a DELETE has no object: nothing to run
    if (const json* metadata = child(*object, "metadata")) {
        request.object_name = string_field(*metadata, "name");
        if (request.object_name.empty()) request.object_name = string_field(*metadata, "generateName");
        if (request.namespace_name.empty()) request.namespace_name = string_field(*metadata, "namespace");
    }
    if (request.kind.empty()) request.kind = string_field(*object, "kind");
    if (const json* pod_spec = pod_spec_of(*object, request.kind)) collect_images(*pod_spec, request.images);
    return request;
}

std::string admission_response(std::string_view uid, bool allowed, std::string_view message) {
    json response = {{"uid", uid}, {"allowed", allowed}};
    if (!allowed) response["status"] = {{"code", 403}, {"reason", "Forbidden"}, {"message", message}};
    json review = {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", response}};
    return review.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string review_images(const AdmissionRequest& request,
                          const std::function<ImageDecision(const std::string& image)>& decide) {
    std::string message;
    for (const auto& image : request.images) {
        ImageDecision decision = decide(image);
        if (decision.allowed) continue;
        if (!message.empty()) message += "; ";
        message += fmt::format("image {}: {}", image, decision.message);
    }
    if (!message.empty() && !request.object_name.empty())
        message = fmt::format("{} {}: {}", request.kind, request.object_name, message);
    return admission_response(request.uid, message.empty(), message);
}

}  // namespace moat::registry
