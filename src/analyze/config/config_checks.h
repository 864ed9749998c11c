// Image configuration and build-command risks, read from the image config and its history
// (what `docker history` shows): no USER, ADD, secrets in ENV/ARG, TLS verification turned off,
// unverified packages, caches left behind, and so on. Dockle's ids (CIS-DI-*, DKL-DI-*) where
// Dockle has the check, so users can map them; MOAT-DI-* for the rest.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/finding.h"

namespace moat {

// One build step of the history, as the builder recorded it.
struct BuildStep {
    size_t index = 0;          // position in config.history
    std::string instruction;   // RUN, ADD, COPY, ENV, ARG, MAINTAINER, USER, ... (upper case)
    std::string text;          // the rest: the shell command of a RUN, the arguments otherwise
    std::vector<std::pair<std::string, std::string>> build_args;  // "|2 A=1 B=2 /bin/sh -c ..."
};

// Classic builder ("/bin/sh -c #(nop)  ENV A=b", "|1 X=y /bin/sh -c cmd"), BuildKit
// ("RUN /bin/sh -c cmd # buildkit", "ENV A=b") and plain commands ("/bin/sh -c cmd").
BuildStep parse_build_step(size_t index, std::string_view created_by);

// Every config and build-command finding of the image config document (`kind: config`, no layer;
// `path` names the config field: "image-config:User", "image-config:Env[KEY]",
// "image-config:History[3]"). A config that is not an object yields nothing.
std::vector<RiskFinding> check_image_config(const nlohmann::json& config);

}  // namespace moat
