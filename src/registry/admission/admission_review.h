// Kubernetes admission (validating webhook): reads an admission.k8s.io/v1 AdmissionReview for a
// Pod or a workload that holds a pod template, lists the images it would run, and writes the
// AdmissionReview answer. Deciding about each image is the caller's (the registry's pull gate).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_reference.h"
#include "util/result.h"

namespace moat::registry {

struct AdmissionRequest {
    std::string uid;
    std::string api_version;          // of the review: admission.k8s.io/v1
    std::string kind;                 // of the object: "Pod", "Deployment", ...
    std::string object_name;          // metadata.name (or generateName), for messages
    std::string namespace_name;       // Kubernetes namespace of the object
    std::vector<std::string> images;  // every container, init container and ephemeral container
};

// Errors name what is missing. Kinds without a pod template (a ConfigMap, say) parse with no images.
Result<AdmissionRequest> parse_admission_review(std::string_view json);

// The answer: `allowed`, and when refused a status with code 403 and `message`.
std::string admission_response(std::string_view uid, bool allowed, std::string_view message);

struct ImageDecision {
    bool allowed = true;
    std::string message;  // why it was refused
};

// Decides every image of `request` with `decide` and combines: refused when any image is; the
// message names each refused image and its reason.
std::string review_images(const AdmissionRequest& request,
                          const std::function<ImageDecision(const std::string& image)>& decide);

}  // namespace moat::registry
