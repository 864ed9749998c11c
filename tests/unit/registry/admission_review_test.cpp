#include "registry/admission/admission_review.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace moat::registry {
namespace {

// Shapes as the Kubernetes API reference documents them (admission.k8s.io/v1 AdmissionReview,
// core/v1 Pod, apps/v1 Deployment, batch/v1 CronJob).
constexpr const char* kPodReview = R"({
  "apiVersion": "admission.k8s.io/v1",
  "kind": "AdmissionReview",
  "request": {
    "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
    "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"},
    "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
    "requestResource": {"group": "", "version": "v1", "resource": "pods"},
    "name": "web",
    "namespace": "shop",
    "operation": "CREATE",
    "userInfo": {"username": "admin", "uid": "014fbff9a07c", "groups": ["system:authenticated"]},
    "object": {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "web", "namespace": "shop"},
      "spec": {
        "initContainers": [{"name": "migrate", "image": "registry.example:5000/team/migrate:2"}],
        "containers": [
          {"name": "app", "image": "registry.example:5000/team/app:1.0", "ports": [{"containerPort": 8080}]},
          {"name": "proxy", "image": "nginx"}
        ]
      }
    },
    "oldObject": null,
    "dryRun": false,
    "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
  }
})";

constexpr const char* kCronJobReview = R"({
  "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {
    "uid": "b1f0", "kind": {"group": "batch", "version": "v1", "kind": "CronJob"},
    "namespace": "ops", "operation": "CREATE",
    "object": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
      "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {"spec": {
        "restartPolicy": "OnFailure",
        "containers": [{"name": "job", "image": "registry.example:5000/ops/backup@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]}}}}}}
  }
})";

TEST(AdmissionReviewTest, ListsEveryContainerImageOfAPod) {
    auto request = parse_admission_review(kPodReview);
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    EXPECT_EQ(request->kind, "Pod");
    EXPECT_EQ(request->namespace_name, "shop");
    EXPECT_EQ(request->images, (std::vector<std::string>{"registry.example:5000/team/migrate:2",
                                                         "registry.example:5000/team/app:1.0", "nginx"}));
}

TEST(AdmissionReviewTest, FindsThePodTemplateOfWorkloads) {
    for (std::string kind : {"Deployment", "StatefulSet", "DaemonSet", "Job"}) {
        nlohmann::json review = {
            {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"},
            {"request", {{"uid", "u1"}, {"kind", {{"group", "apps"}, {"version", "v1"}, {"kind", kind}}},
                         {"object", {{"kind", kind}, {"metadata", {{"name", "w"}}},
                                     {"spec", {{"replicas", 2}, {"template", {{"spec", {{"containers",
                                         {{{"name", "c"}, {"image", "localhost:5000/team/app:1.0"}}}}}}}}}}}}}}};
        auto request = parse_admission_review(review.dump());
        ASSERT_TRUE(request.ok()) << kind;
        EXPECT_EQ(request->images, std::vector<std::string>{"localhost:5000/team/app:1.0"}) << kind;
    }
    auto cron = parse_admission_review(kCronJobReview);
    ASSERT_TRUE(cron.ok());
    ASSERT_EQ(cron->images.size(), 1u);
    EXPECT_EQ(cron->object_name, "nightly");
}

TEST(AdmissionReviewTest, AnswerCarriesUidAllowedAndMessage) {
    auto request = parse_admission_review(kPodReview);
    ASSERT_TRUE(request.ok());
    std::string answer = review_images(*request, [](const std::string& image) {
        if (image == "registry.example:5000/team/app:1.0")
            return ImageDecision{false, "blocked by policy of namespace team: 1 CRITICAL (CVE-2024-1)"};
        return ImageDecision{true, ""};
    });
    auto json = nlohmann::json::parse(answer);
    EXPECT_EQ(json["apiVersion"], "admission.k8s.io/v1");
    EXPECT_EQ(json["kind"], "AdmissionReview");
    EXPECT_EQ(json["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    EXPECT_EQ(json["response"]["allowed"], false);
    EXPECT_EQ(json["response"]["status"]["code"], 403);
    EXPECT_EQ(json["response"]["status"]["message"],
              "Pod web: image registry.example:5000/team/app:1.0: blocked by policy of namespace team: "
              "1 CRITICAL (CVE-2024-1)");

    std::string allowed = review_images(*request, [](const std::string&) { return ImageDecision{}; });
    auto ok = nlohmann::json::parse(allowed);
    EXPECT_EQ(ok["response"]["allowed"], true);
    EXPECT_FALSE(ok["response"].contains("status"));
}

TEST(AdmissionReviewTest, RefusesWhatIsNotAnAdmissionReview) {
    EXPECT_FALSE(parse_admission_review("{}").ok());
    EXPECT_FALSE(parse_admission_review("not json").ok());
    EXPECT_NE(parse_admission_review(R"({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
                                        "request": {"uid": "x"}})")
                  .error().message.find("v1beta1"),
              std::string::npos);
    EXPECT_FALSE(parse_admission_review(R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                                           "request": {}})").ok());
}

TEST(ImageReferenceTest, ParsesTheFormsKubernetesAccepts) {
    auto local = parse_image_reference("127.0.0.1:5000/team/app:1.0");
    ASSERT_TRUE(local.ok());
    EXPECT_EQ(local->registry, "127.0.0.1:5000");
    EXPECT_EQ(local->repository, "team/app");
    EXPECT_EQ(local->tag, "1.0");
    auto hub = parse_image_reference("nginx");
    ASSERT_TRUE(hub.ok());
    EXPECT_EQ(hub->registry, "docker.io");
    EXPECT_EQ(hub->repository, "library/nginx");
    EXPECT_EQ(hub->tag, "latest");
    auto pinned = parse_image_reference(
        "localhost/team/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ASSERT_TRUE(pinned.ok());
    EXPECT_EQ(pinned->registry, "localhost");
    EXPECT_EQ(pinned->tag, "1.0");
    EXPECT_EQ(pinned->digest.size(), 71u);
    EXPECT_FALSE(parse_image_reference("team/app@md5:abc").ok());
    EXPECT_FALSE(parse_image_reference("localhost:5000/../etc:1").ok());
    EXPECT_FALSE(parse_image_reference("localhost:5000/Team/App:1").ok());
    EXPECT_FALSE(parse_image_reference("").ok());
}

}  // namespace
}  // namespace moat::registry
