#include "util/result.h"

#include <gtest/gtest.h>

namespace moat {
namespace {

Result<int> parse_positive(int value) {
    if (value <= 0) return Error{"value must be positive"};
    return value;
}

TEST(Result, CarriesValueOrError) {
    auto good = parse_positive(3);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 3);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "value must be positive");
}

TEST(Status, DefaultIsOk) {
    EXPECT_TRUE(Status().ok());
    Status failed = Error{"boom"};
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(failed.message(), "boom");
}

}  // namespace
}  // namespace moat
