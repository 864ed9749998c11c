// Errors as values: a Result<T> holds either a T or an Error whose message names the
// input and what is wrong with it. No exceptions cross module boundaries.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace moat {

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : state_(std::move(error)) {}  // NOLINT

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<Error>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result of an operation that produces nothing but may fail.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT
    static Status Ok() { return Status(); }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    Error error() const { return Error{error_}; }
    const std::string& message() const { return error_; }

private:
    std::string error_;
    bool failed_ = false;
};

}  // namespace moat
