#pragma once
#include <functional>
#include <string>

namespace voxgate {

// Mandarin ITN (issue 13 §3) writes what WeTextProcessing's grammar writes, but three of the
// grammar's written forms are not how Mandarin is written, so voxgate rewrites those tokens
// before the verbalizer runs (wetext 0.1.8 and WeTextProcessing 1.2.0 write the same):
// - a date is 2024年3月15日 (the grammar writes 2024/03/15, and 03/15 for 三月十五日); 号 stays 号;
// - a clock time keeps its spoken part of day (下午三点十五分 → 下午3:15; the grammar writes
//   3:15p.m., and 晚上 becomes the same p.m.);
// - an approximate number made of two neighbouring numerals (一二线城市, 五六个人, 三十一二岁)
//   stays in characters, as GB/T 15835-2011 asks (the grammar writes 1~2线, 5~6个, 31-2岁).
// wetext's tagger keeps the spoken text in each field (date { year: "二零二四年" ... }), and
// `verbalize` gives the grammar's written form of one token (given in the verbalizer's field
// order). Returns the tokens in that order, those replaced by char tokens of voxgate's written form.
std::string zhItnWrittenForms(const std::string& tagged,
                              const std::function<std::string(const std::string& token)>& verbalize);

}  // namespace voxgate
