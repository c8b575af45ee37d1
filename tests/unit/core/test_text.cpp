// Text helpers (text.hpp): registry-name normalisation, suggestions, number formatting.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <spark/core/text.hpp>

using namespace spark;

TEST_CASE("normalize_name reproduces Spark's registry names (spec section 1.6)", "[core][text]") {
    CHECK(normalize_name("LIFNeuron") == "lif_neuron");
    CHECK(normalize_name("N2NDelays") == "n2n_delays");
    CHECK(normalize_name("ALIFModNeuron") == "alif_mod_neuron");
    CHECK(normalize_name("AdExNeuron") == "ad_ex_neuron");
    CHECK(normalize_name("RDTracedSynapses") == "rd_traced_synapses");
    CHECK(normalize_name("SpikeArray") == "spike_array");
    CHECK(normalize_name("BrainConfig") == "brain_config");
}

TEST_CASE("normalize_name handles the other spellings a user writes", "[core][text]") {
    CHECK(normalize_name("LeakySoma") == "leaky_soma");
    CHECK(normalize_name("leaky_soma") == "leaky_soma");  // already normalised: unchanged
    CHECK(normalize_name("Leaky Soma") == "leaky_soma");  // spaces and hyphens become '_'
    CHECK(normalize_name("leaky-soma") == "leaky_soma");
    CHECK(normalize_name("NDelays") == "n_delays");
    CHECK(normalize_name("RFSTracedSynapses") == "rfs_traced_synapses");
    CHECK(normalize_name("IzhikevichSoma") == "izhikevich_soma");
    CHECK(normalize_name("LIF") == "lif");
    // Only letters split: a digit before a Capitalised word does not (as in "N2NDelays").
    CHECK(normalize_name("Layer2Neuron") == "layer2neuron");
    CHECK(normalize_name("ABCDef") == "abc_def");
    CHECK(normalize_name("") == "");
}

TEST_CASE("closest_names ranks candidates by edit distance, substrings first", "[core][text]") {
    const std::vector<std::string> names{"leaky_soma", "refractory_leaky_soma", "exponential_soma", "linear_synapses",
                                         "traced_synapses", "n_delays"};
    CHECK(closest_names("leaky_sma", names, 1) == std::vector<std::string>{"leaky_soma"});
    CHECK(closest_names("traced_synapse", names, 2) == std::vector<std::string>{"traced_synapses", "linear_synapses"});
    // A query contained in a longer name ranks it high despite the length difference.
    CHECK(closest_names("delays", names, 1) == std::vector<std::string>{"n_delays"});
    CHECK(closest_names("x", names).size() == 3);         // the default is three suggestions
    CHECK(closest_names("x", names, 10).size() == names.size());
    CHECK(closest_names("x", {}).empty());
}

TEST_CASE("join separates items", "[core][text]") {
    CHECK(join({"a", "b", "c"}) == "a, b, c");
    CHECK(join({"a", "b"}, " | ") == "a | b");
    CHECK(join({}) == "");
    CHECK(join({"only"}) == "only");
}

TEST_CASE("format_number prints the shortest round-trip decimal", "[core][text]") {
    CHECK(format_number(20.0) == "20");
    CHECK(format_number(0.1) == "0.1");
    CHECK(format_number(-5.0) == "-5");
    CHECK(format_number(2.5e-7) == "2.5e-07");
    CHECK(format_number(1.0 / 3.0) == "0.3333333333333333");
    CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(format_number(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("decimal_double keeps a float's written form", "[core][text]") {
    CHECK(format_number(static_cast<double>(0.1f)) == "0.10000000149011612");  // the problem it solves
    CHECK(format_number(decimal_double(0.1f)) == "0.1");
    CHECK(format_number(decimal_double(-65.3f)) == "-65.3");
    CHECK(static_cast<float>(decimal_double(0.1f)) == 0.1f);  // and it converts back to the same float
    for (float f : {1e-30f, 3.14159265f, 123456.789f, -2.5f, 0.0f})
        CHECK(static_cast<float>(decimal_double(f)) == f);
    CHECK(std::isinf(decimal_double(std::numeric_limits<float>::infinity())));
}
