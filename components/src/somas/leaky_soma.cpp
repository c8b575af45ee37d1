#include <spark/components/somas/leaky_soma.hpp>

namespace spark::components::somas {

namespace {

// One step of the refractory LIF (spec 2.2) for one neuron, against the threshold `theta` in force
// this step (constant, or the adaptive threshold of spec 2.4). Returns s.
SPARK_INLINE bool refractory_leaky_step(float& v, std::uint16_t& r, std::uint16_t cooldown, float decay,
                                        float gain_resistance, float current, float theta, float reset) noexcept {
    const bool ready = r > cooldown;
    const float vi = decay * v + choose(ready, gain_resistance * current, 0.0f);
    const bool s = ready & (vi > theta);
    v = choose(s, reset, vi);
    r = RefractoryCounter::advance(r, s);
    return s;
}

// One step of the strictly refractory LIF (spec 2.3) for one neuron. Returns s.
SPARK_INLINE bool strict_refractory_leaky_step(float& v, std::uint16_t& r, std::uint16_t cooldown, float decay,
                                               float gain_resistance, float current, float theta, float reset) noexcept {
    const bool ready = r >= cooldown;
    const float vi = choose(ready, decay * v + gain_resistance * current, reset);
    const bool s = ready & (vi > theta);
    v = choose(s, reset, vi);
    r = RefractoryCounter::advance(r, s);
    return s;
}

}  // namespace

template <class Derived, class ConfigT>
template <auto Step>
SPARK_INLINE void LeakyFamily<Derived, ConfigT>::update_refractory(RefractoryCounter& refractory, bool uniform_cooldown,
                                                                   std::size_t begin, std::size_t end,
                                                                   const float* input, std::uint8_t* spiked) noexcept {
    float* v = this->potential_.data();
    std::uint16_t* r = refractory.counters();
    with_constants(
        uniform_ && uniform_cooldown,
        [v, r, input, spiked, begin, end](auto c, auto decay, auto gain, auto theta, auto reset) SPARK_INLINE_LAMBDA {
            SPARK_ELEMENTWISE_LOOP
            for (std::size_t i = begin; i < end; ++i)
                spiked[i] = Step(v[i], r[i], c[i], decay[i], gain[i], input[i - begin], theta[i], reset[i]);
        },
        refractory.cooldown_steps(), decay_.data(), gain_resistance_.data(), threshold_.data(), reset_.data());
}

SPARK_HOT_LOOP
void LeakySoma::update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept {
    if (!resistance_.empty()) return update_reset_at_crossing(begin, end, input, spiked);
    float* v = potential_.data();
    with_constants(
        uniform_,
        [v, input, spiked, begin, end](auto decay, auto gain, auto theta, auto reset) SPARK_INLINE_LAMBDA {
            SPARK_ELEMENTWISE_LOOP
            for (std::size_t i = begin; i < end; ++i) {
                const float vi = decay[i] * v[i] + gain[i] * input[i - begin];
                const bool s = vi > theta[i];
                v[i] = choose(s, reset[i], vi);
                spiked[i] = s;
            }
        },
        decay_.data(), gain_resistance_.data(), threshold_.data(), reset_.data());
}

SPARK_HOT_LOOP
void LeakySoma::update_reset_at_crossing(std::size_t begin, std::size_t end, const float* input,
                                         std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    const float *decay = decay_.data(), *gain = gain_resistance_.data(), *resistance = resistance_.data(),
                *theta = threshold_.data(), *reset = reset_.data();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const float current = input[i - begin];
        const float vi = decay[i] * v[i] + gain[i] * current;
        const bool s = vi > theta[i];
        const float v_inf = resistance[i] * current;
        // The fraction of the step left after the crossing, as e^{-t/tau}: alpha when the unit started
        // above theta (or cannot have crossed upwards), so the comparison also discards a 0/0.
        const float crossing = (vi - v_inf) / (theta[i] - v_inf);
        const float f = choose(v_inf > theta[i] && crossing > decay[i], crossing, decay[i]);
        v[i] = choose(s, v_inf + (reset[i] - v_inf) * f, vi);
        spiked[i] = s;
    }
}

SPARK_HOT_LOOP
void RefractoryLeakySoma::update(std::size_t begin, std::size_t end, const float* input,
                                 std::uint8_t* spiked) noexcept {
    update_refractory<refractory_leaky_step>(refractory_, uniform_cooldown_, begin, end, input, spiked);
}

SPARK_HOT_LOOP
void StrictRefractoryLeakySoma::update(std::size_t begin, std::size_t end, const float* input,
                                       std::uint8_t* spiked) noexcept {
    update_refractory<strict_refractory_leaky_step>(refractory_, uniform_cooldown_, begin, end, input, spiked);
}

SPARK_HOT_LOOP
void AdaptiveLeakySoma::update(std::size_t begin, std::size_t end, const float* input,
                               std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    std::uint16_t* r = refractory_.counters();
    const std::uint16_t* c = refractory_.cooldown_steps();
    const float* decay = decay_.data();
    const float* gain = gain_resistance_.data();
    const float* reset = reset_.data();
    const AdaptiveThreshold::Arrays threshold = threshold_trace_.arrays();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const bool s =
            refractory_leaky_step(v[i], r[i], c[i], decay[i], gain[i], input[i - begin], threshold.theta[i], reset[i]);
        threshold.advance(i, s);
        spiked[i] = s;
    }
}

}  // namespace spark::components::somas
