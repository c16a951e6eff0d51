// The "did you mean" of the retype program: the candidate nearest to a word the
// program did not know (an option, a subcommand, a TOML key), by edit distance.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace retype::cli {

/// Levenshtein distance (insert, delete, substitute: 1 each). O(|a| |b|) time, O(|b|) space.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

/// The candidate nearest to `word`, or "" when none is near: a typo is at most
/// a third of the word's letters away (at least 2, so `nmae` finds `name`).
template <class Range>
std::string_view nearest(std::string_view word, const Range& candidates) {
    std::string_view best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (std::string_view c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best = c;
            best_d = d;
        }
    }
    return best;
}

} // namespace retype::cli
