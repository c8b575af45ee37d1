#pragma once
// Declaring a component's parameters: each once, with its name, type, default, units, bound and
// description. The config struct's members, the reflection that applies overrides and validates
// (config.hpp), the parameter table of the registry (`spark list`, the Python catalogue), the
// network-file loader and every message that names a field all come from that one declaration.
//
// @code
//   // A group of parameters that several components share (spec 2.2): declared once, composed.
//   struct RefractoryParams {
//       SPARK_PARAMS(RefractoryParams);
//       SPARK_PARAM(Param, cooldown, 2.0, "ms", non_negative,
//                   "Refractory period after a spike (rounded half-to-even to whole steps).");
//   };
//
//   // A config is its groups, in order, then its own parameters (if it has any).
//   struct RefractoryLeakySomaConfig
//       : Params<SomaUnitsParams, MembraneParams<leaky_membrane>, RefractoryParams> {};
//   struct AdaptiveExponentialSomaConfig
//       : Params<SomaUnitsParams, MembraneParams<exponential_membrane>, SpikeOnsetParams> {
//       SPARK_PARAMS(AdaptiveExponentialSomaConfig);
//       SPARK_PARAM(Param, adaptation_tau, 100.0, "ms", positive, "Time constant tau_w of the adaptation current.");
//       ...
//   };
// @endcode
//
//   SPARK_PARAMS(Self)                       opens the parameter list of the struct Self (first line).
//   SPARK_PARAM(type, name, default, units, bound, description)
//                                            declares the member `type name = default;` and its metadata.
//                                            `bound` is a Bound enumerator (none, positive, non_negative,
//                                            zero_one, binary); a numeric default (or a list of numbers) is
//                                            checked against it at compile time. A default with a comma
//                                            outside parentheses is written in parentheses.
//   SPARK_REQUIRED_PARAM(type, name, units, bound, description)
//                                            a parameter the user must give (`spark list` shows it as
//                                            required); its value-initialised placeholder is not checked.
//   Params<Groups...>                        a base that composes groups: their parameters come first, in
//                                            the order of the groups, then the config's own. A group may be a
//                                            class template (e.g. one parameterised by its defaults).
// Field types: Param, double, bool, std::size_t, std::string, Shape, std::optional<Shape>,
// std::vector<double>, std::vector<std::size_t>, std::optional<std::vector<std::size_t>> (config.hpp).
// At most params_detail::max_params parameters per struct.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <spark/core/param.hpp>

namespace spark {

// The metadata of one parameter (everything but its type and default, which are the member's).
struct FieldMeta {
    std::string_view name;
    std::string_view units;
    Bound bound = Bound::none;
    std::string_view description;
    bool required = false;  // must be given (e.g. `units` of a synapse group outside a neuron)
};

namespace params_detail {

// The declarations are numbered at compile time by overload rank: each SPARK_PARAM declares a
// function taking Rank<k + 1> whose return type is the list so far plus itself; a call with the
// highest rank picks the latest declaration (Rank<n> derives from Rank<n - 1>).
template <std::size_t N>
struct Rank : Rank<N - 1> {};
template <>
struct Rank<0> {};
inline constexpr std::size_t max_params = 64;

template <class... Fields>
struct List {
    static constexpr std::size_t size = sizeof...(Fields);
};
template <class L, class Field>
struct Append;
template <class... Fields, class Field>
struct Append<List<Fields...>, Field> {
    using type = List<Fields..., Field>;
};

// Whether the default made by `make` satisfies `bound`: numbers and ranges of numbers are checked,
// anything else (an initializer, a string, a shape) is checked when it is used.
template <class Make>
constexpr bool default_within(Bound bound, Make make) {
    using T = std::remove_cvref_t<decltype(make())>;
    if constexpr (std::is_arithmetic_v<T>) {
        return satisfies(bound, static_cast<double>(make()));
    } else if constexpr (requires(const T& t) { *t.begin(); }) {
        using Element = std::remove_cvref_t<decltype(*make().begin())>;
        if constexpr (std::is_arithmetic_v<Element> && !std::is_same_v<Element, char>) {
            for (auto v : make())
                if (!satisfies(bound, static_cast<double>(v))) return false;
        }
        return true;
    } else {
        return true;
    }
}

}  // namespace params_detail

// Composes parameter groups into one config (see above). Its own (empty) list hides the groups'.
template <class... Groups>
struct Params : Groups... {
    using spark_param_groups = params_detail::List<Groups...>;
    using spark_params_self = Params;
    static params_detail::List<> spark_params_list(params_detail::Rank<0>);
};

}  // namespace spark

#define SPARK_PARAMS(Self)          \
    using spark_params_self = Self; \
    static ::spark::params_detail::List<> spark_params_list(::spark::params_detail::Rank<0>)

#define SPARK_PARAM(Type, name, default_value, units, bound, description)                                      \
    Type name = default_value;                                                                                \
    static_assert(::spark::params_detail::default_within(::spark::Bound::bound, [] { return default_value; }), \
                  "the default of " #name " breaks its bound (" #bound ")");                                  \
    SPARK_PARAMS_DETAIL_REGISTER(name, units, bound, description, false)

#define SPARK_REQUIRED_PARAM(Type, name, units, bound, description) \
    Type name{};                                                    \
    SPARK_PARAMS_DETAIL_REGISTER(name, units, bound, description, true)

#define SPARK_PARAMS_DETAIL_LIST \
    decltype(spark_params_list(::spark::params_detail::Rank<::spark::params_detail::max_params>{}))

#define SPARK_PARAMS_DETAIL_REGISTER(name, units, bound, description, required)                                  \
    struct spark_param_##name {                                                                                \
        static constexpr ::spark::FieldMeta meta{#name, units, ::spark::Bound::bound, description, required};   \
        static constexpr auto member = &spark_params_self::name;                                               \
    };                                                                                                         \
    static_assert(SPARK_PARAMS_DETAIL_LIST::size < ::spark::params_detail::max_params,                         \
                  "too many parameters in one struct: split them into groups");                                \
    static typename ::spark::params_detail::Append<SPARK_PARAMS_DETAIL_LIST, spark_param_##name>::type         \
        spark_params_list(::spark::params_detail::Rank<SPARK_PARAMS_DETAIL_LIST::size + 1>)
