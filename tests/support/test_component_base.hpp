#pragma once
// TestComponent: the parts every test-only component shares, so that a test component declares only
// what it is about. It names itself through the template arguments (category "test" unless given), has
// no ports and no state; a derived class declares the ports it has, which hide these, and overrides
// reset() and visit_state() when it keeps state.
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include <spark/core/component_base.hpp>

namespace spark::testing {

// A string literal usable as a template argument.
template <std::size_t N>
struct Literal {
    char text[N]{};
    constexpr Literal(const char (&s)[N]) { std::copy_n(s, N, text); }  // NOLINT: implicit on purpose
    constexpr std::string_view view() const { return {text, N - 1}; }
};

template <class Derived, class Config, Literal TypeName, Literal ClassName, Literal Description,
          Literal Category = "test">
class TestComponent : public ComponentBase<Derived, Config> {
public:
    static constexpr ComponentIdentity identity{TypeName.view(), ClassName.view(), Category.view(),
                                                Description.view()};
    static constexpr std::array<PortDecl, 0> input_ports{};
    static constexpr std::array<PortDecl, 0> output_ports{};
    static constexpr std::array<PortDecl, 0> property_ports{};
    using ComponentBase<Derived, Config>::ComponentBase;
    void reset() override {}
    void visit_state(StateVisitor&) override {}
};

}  // namespace spark::testing
