//===- PlanDump.h - Printing a ProgramPlan ---------------------------------------*- C++ -*-===//
//
// `decc --emit=plan` output: one line per fact, indented by nesting, for lit tests and
// for humans checking what the front end resolved:
//
//   plan
//     source "prog.dec"
//     model @0 "lm" causal at prog.dec:3:12
//       path "/abs/models/tiny/model.pt"
//       tokenizer "/abs/models/tiny/tokenizer.json"
//     decode "hello" at prog.dec:8:8
//       schedule autoregressive model=@0 at prog.dec:9:12
//         sampler "story" at prog.dec:5:17
//           temperature 0.8
//           choice sample
//         constraint at prog.dec:6:20
//           max_tokens 64
//           stop "\n\n"
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_PLANDUMP_H
#define DEC_LANG_PLANDUMP_H

#include "lang/Plan.h"

#include "llvm/ADT/StringRef.h"

namespace llvm {
class raw_ostream;
}

namespace dec::lang {

void dumpPlan(const ProgramPlan &plan, llvm::raw_ostream &os);

llvm::StringRef spelling(TransformKind kind); ///< "temperature", "top_k", ...
llvm::StringRef spelling(ChoiceKind kind);    ///< "greedy", "sample"
llvm::StringRef spelling(ScheduleKind kind);  ///< "autoregressive"

} // namespace dec::lang

#endif // DEC_LANG_PLANDUMP_H
