#pragma once
/// L-BFGS (Nocedal 1980; Liu & Nocedal 1989), two-loop recursion, without line search and with
/// a fixed step, as torch.optim.LBFGS(line_search_fn=None) and the Lua neural-style
/// implementation (history 100, step 1) use it for style transfer. The first step is scaled by
/// min(1, 1/‖g‖₁) so it cannot overshoot; a curvature pair (s, y) is kept only when yᵀs > 1e-10.
/// s is the displacement of x actually observed between two calls, not the step taken: implicit
/// regularisers (clamping, blur) move x between steps, and a pair that ignored that would teach
/// the two-loop recursion a curvature the objective does not have.
/// All tensors together (every image of a batch, every tensor of the set) are one vector.
/// An Optimizer (solvers/optimizer.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <deque>
#include <span>
#include <vector>

namespace deepvis {
inline namespace solvers {

struct lbfgs {
    double step_size = 1.0;
    std::size_t history = 100;

    void step(std::span<tensor* const> xs, std::span<const tensor* const> gs, std::size_t) {
        detail::check_step_arguments("lbfgs", xs, gs);
        // The set as one vector, in double: x and g of this call.
        std::size_t n = 0;
        for (const tensor* x : xs) n += x->size();
        state.x.resize(n);
        state.g.resize(n);
        for (std::size_t i = 0, o = 0; i < xs.size(); o += xs[i]->size(), ++i)
            for (std::size_t e = 0; e < xs[i]->size(); ++e)
                state.x[o + e] = xs[i]->data()[e], state.g[o + e] = gs[i]->data()[e];
        const double* gp = state.g.data();
        const double* xp = state.x.data();
        if (state.prev_g.size() != n) {
            state.d.assign(n, 0.0);
            state.prev_g.assign(n, 0.0);
            state.prev_x.assign(n, 0.0);
            state.s.clear();
            state.y.clear();
            state.rho.clear();
            state.first = true;
        }
        if (state.first) {
            for (std::size_t e = 0; e < n; ++e) state.d[e] = -gp[e];
            state.h_diag = 1.0;
        } else {
            std::vector<double>& s = state.next_s;
            std::vector<double>& y = state.next_y;
            s.resize(n);
            y.resize(n);
            double ys = 0.0, yy = 0.0;
            for (std::size_t e = 0; e < n; ++e) {
                y[e] = gp[e] - state.prev_g[e];
                s[e] = xp[e] - state.prev_x[e];
                ys += y[e] * s[e];
                yy += y[e] * y[e];
            }
            if (ys > 1e-10) {
                // Once the history is full, the oldest pair's buffers hold the next pair.
                std::vector<double> spare_s, spare_y;
                if (state.s.size() == history) {
                    spare_s = std::move(state.s.front());
                    spare_y = std::move(state.y.front());
                    state.s.pop_front();
                    state.y.pop_front();
                    state.rho.pop_front();
                }
                state.s.push_back(std::move(s));
                state.y.push_back(std::move(y));
                s = std::move(spare_s);
                y = std::move(spare_y);
                state.rho.push_back(1.0 / ys);
                state.h_diag = ys / yy;
            }
            // Two-loop recursion: d = −H g.
            std::vector<double> alpha(state.s.size());
            for (std::size_t e = 0; e < n; ++e) state.d[e] = -gp[e];
            for (std::size_t k = state.s.size(); k-- > 0;) {
                alpha[k] = state.rho[k] * dot(state.s[k], state.d);
                for (std::size_t e = 0; e < n; ++e) state.d[e] -= alpha[k] * state.y[k][e];
            }
            for (auto& v : state.d) v *= state.h_diag;
            for (std::size_t k = 0; k < state.s.size(); ++k) {
                const double beta = state.rho[k] * dot(state.y[k], state.d);
                for (std::size_t e = 0; e < n; ++e) state.d[e] += state.s[k][e] * (alpha[k] - beta);
            }
        }
        for (std::size_t e = 0; e < n; ++e) state.prev_g[e] = gp[e], state.prev_x[e] = xp[e];
        if (state.first) {
            double l1 = 0.0;
            for (std::size_t e = 0; e < n; ++e) l1 += std::abs(gp[e]);
            state.t = std::min(1.0, l1 > 0.0 ? 1.0 / l1 : 1.0) * step_size;
        } else {
            state.t = step_size;
        }
        state.first = false;
        for (std::size_t i = 0, o = 0; i < xs.size(); o += xs[i]->size(), ++i)
            for (std::size_t e = 0; e < xs[i]->size(); ++e)
                xs[i]->data()[e] += static_cast<float>(state.t * state.d[o + e]);
    }

    void reset() { state = {}; }

    static double dot(const std::vector<double>& a, const std::vector<double>& b) {
        double s = 0.0;
        for (std::size_t e = 0; e < a.size(); ++e) s += a[e] * b[e];
        return s;
    }

    /// Run state (not a setting; reset() clears it). Public so the type stays an aggregate.
    struct run_state {
        std::vector<double> x = {}, g = {}, d = {}, prev_g = {}, prev_x = {}, next_s = {}, next_y = {};
        std::deque<std::vector<double>> s, y;
        std::deque<double> rho;
        double h_diag = 1.0, t = 1.0;
        bool first = true;
    } state = {};
};

}  // namespace solvers
}  // namespace deepvis
