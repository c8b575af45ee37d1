#pragma once
// The cart-pole of gymnasium's CartPole-v1 (Barto, Sutton & Anderson 1983): the same equations,
// constants, explicit Euler integration, termination and 500-step truncation. Actions: 0 pushes the
// cart left, 1 right. reset() draws the four state values uniformly in [-0.05, 0.05).
#include <array>
#include <cmath>
#include <numbers>
#include <random>

namespace cartpole {

struct StepResult {
    bool terminated = false;  // the pole fell past 12 degrees or the cart left [-2.4, 2.4] m
    bool truncated = false;   // the 500th step (gymnasium's TimeLimit: set even if it also terminated)
};

class CartPole {
public:
    static constexpr double gravity = 9.8, mass_cart = 1.0, mass_pole = 0.1, total_mass = mass_cart + mass_pole;
    static constexpr double half_length = 0.5, pole_mass_length = mass_pole * half_length;
    static constexpr double force_mag = 10.0, tau = 0.02;  // [N], [s]
    static constexpr double theta_threshold = 12 * 2 * std::numbers::pi / 360, x_threshold = 2.4;
    static constexpr int max_steps = 500;

    // State: cart position x [m], cart velocity [m/s], pole angle theta [rad], angular velocity [rad/s].
    using State = std::array<double, 4>;

    template <class Rng>
    const State& reset(Rng& rng) {
        std::uniform_real_distribution<double> u(-0.05, 0.05);
        for (auto& v : state_) v = u(rng);
        steps_ = 0;
        return state_;
    }

    StepResult step(int action) {
        auto& [x, x_dot, theta, theta_dot] = state_;
        const double force = action == 1 ? force_mag : -force_mag;
        const double cos_t = std::cos(theta), sin_t = std::sin(theta);
        const double temp = (force + pole_mass_length * theta_dot * theta_dot * sin_t) / total_mass;
        const double theta_acc = (gravity * sin_t - cos_t * temp) /
                                 (half_length * (4.0 / 3.0 - mass_pole * cos_t * cos_t / total_mass));
        const double x_acc = temp - pole_mass_length * theta_acc * cos_t / total_mass;
        x += tau * x_dot;  // explicit Euler, in gymnasium's order
        x_dot += tau * x_acc;
        theta += tau * theta_dot;
        theta_dot += tau * theta_acc;
        ++steps_;
        StepResult r;
        r.terminated = x < -x_threshold || x > x_threshold || theta < -theta_threshold || theta > theta_threshold;
        r.truncated = steps_ >= max_steps;
        return r;
    }

    const State& state() const noexcept { return state_; }
    State& state() noexcept { return state_; }

private:
    State state_{};
    int steps_ = 0;
};

}  // namespace cartpole
