// retype: result<T>, a small constexpr subset of std::expected<T, retype::error>.
// Errors are values: no exceptions, no RTTI, usable in constant expressions.
#pragma once

#include <retype/error.hpp>

#include <gsl/assert>

#include <type_traits>
#include <utility>

namespace retype {

/// Tag that builds a failed result: `return failure(range_error(0, 47));`
struct failure {
    error value;
    constexpr explicit failure(error e) noexcept : value(e) {}
};

namespace detail {
/// A result's value or error. For the usual small trivially copyable T the two
/// share storage, so a successful result costs the value alone (no 56-byte
/// error written on every return); otherwise both are members.
template <class T, bool Shared = std::is_trivially_copyable_v<T>&& std::is_trivially_destructible_v<T>>
struct result_storage {
    T value_{};
    retype::error error_{};
    constexpr explicit result_storage(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(v)) {}
    template <class... Args>
    constexpr explicit result_storage(std::in_place_t, Args&&... args) noexcept : value_{std::forward<Args>(args)...} {}
    constexpr explicit result_storage(const retype::error& e) noexcept : error_(e) {}
};
template <class T>
struct result_storage<T, true> {
    union {
        T value_;
        retype::error error_;
    };
    constexpr explicit result_storage(T v) noexcept : value_(v) {}
    template <class... Args>
    constexpr explicit result_storage(std::in_place_t, Args&&... args) noexcept : value_{std::forward<Args>(args)...} {}
    constexpr explicit result_storage(const retype::error& e) noexcept : error_(e) {}
};
} // namespace detail

/// Either a T or an error. T must be default-constructible (every value type in
/// retype is a small aggregate), which keeps the type literal and trivially simple.
template <class T>
class [[nodiscard]] result {
    static_assert(std::is_default_constructible_v<T>, "retype: result<T> needs a default-constructible T");

public:
    constexpr result(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : s_(std::move(v)), ok_(true) {}
    constexpr result(failure f) noexcept : s_(f.value), ok_(false) {}
    /// The value built in place from its members (an aggregate's, in order):
    /// no copy of T on the way out of a function that returns it.
    template <class... Args>
    constexpr explicit result(std::in_place_t, Args&&... args) noexcept
        : s_(std::in_place, std::forward<Args>(args)...), ok_(true) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }

    /// Requires: has_value().
    [[nodiscard]] constexpr T& value() & {
        Expects(ok_);
        return s_.value_;
    }
    [[nodiscard]] constexpr const T& value() const& {
        Expects(ok_);
        return s_.value_;
    }
    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    /// Requires: !has_value().
    [[nodiscard]] constexpr const retype::error& error() const {
        Expects(!ok_);
        return s_.error_;
    }

private:
    detail::result_storage<T> s_;
    bool ok_;
};

template <>
class [[nodiscard]] result<void> {
public:
    constexpr result() noexcept : ok_(true) {}
    constexpr result(failure f) noexcept : error_(f.value), ok_(false) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    [[nodiscard]] constexpr const retype::error& error() const {
        Expects(!ok_);
        return error_;
    }

private:
    retype::error error_{};
    bool ok_;
};

} // namespace retype

/// Propagates the error of a result-returning expression, binding its value to `var`.
#define RETYPE_TRY(var, expr)                                                                                          \
    auto var##_result_ = (expr);                                                                                       \
    if (!var##_result_) return ::retype::failure(var##_result_.error());                                               \
    auto& var = *var##_result_
