//===- LogitsFuse.cpp - merge consecutive row programs --------------------===//

#include "passes/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace mlir::dec {
#define GEN_PASS_DEF_LOGITSFUSE
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::logits;

namespace {

bool isProgram(Operation *op) { return isa<TransformOp, ChooseOp>(op); }

Value logitsOf(Operation *program) { return program->getOperand(0); }

ValueRange inputsOf(Operation *program) {
  return isa<ChooseOp>(program) ? program->getOperands().drop_front(2)
                                : program->getOperands().drop_front(1);
}

/// Replaces `run` (programs on one buffer, all transforms but maybe the last)
/// by one program at the position of the last.
void merge(ArrayRef<Operation *> run) {
  Operation *last = run.back();
  ImplicitLocOpBuilder b(FusedLoc::get(last->getContext(), llvm::map_to_vector(
                                                              run, [](Operation *op) {
                                                                return op->getLoc();
                                                              })),
                         last);
  SmallVector<Value> inputs;
  SmallVector<Type> argTypes;
  for (Operation *op : run) {
    llvm::append_range(inputs, inputsOf(op));
    Block &body = op->getRegion(0).front();
    for (BlockArgument arg : body.getArguments().drop_front())
      argTypes.push_back(arg.getType());
  }
  Operation *fused;
  if (auto choose = dyn_cast<ChooseOp>(last))
    fused = ChooseOp::create(b, logitsOf(last), choose.getTokens(), inputs);
  else
    fused = TransformOp::create(b, logitsOf(last), inputs);
  Block *block = new Block();
  fused->getRegion(0).push_back(block);
  block->addArgument(RowType::get(b.getContext(), b.getF32Type()), b.getLoc());
  for (Type t : argTypes)
    block->addArgument(t, b.getLoc());

  OpBuilder inner = OpBuilder::atBlockEnd(block);
  Value row = block->getArgument(0);
  unsigned nextArg = 1;
  for (Operation *op : run) {
    Block &body = op->getRegion(0).front();
    IRMapping mapping;
    mapping.map(body.getArgument(0), row);
    for (BlockArgument arg : body.getArguments().drop_front())
      mapping.map(arg, block->getArgument(nextArg++));
    for (Operation &inside : body.without_terminator())
      inner.clone(inside, mapping);
    Value yielded = cast<YieldOp>(body.getTerminator()).getValue();
    if (op == last)
      YieldOp::create(inner, op->getLoc(), mapping.lookup(yielded));
    else
      row = mapping.lookup(yielded);
  }
  for (Operation *op : run)
    op->erase();
}

struct LogitsFusePass : public mlir::dec::impl::LogitsFuseBase<LogitsFusePass> {
  void runOnOperation() override {
    SmallVector<SmallVector<Operation *>> runs;
    getOperation()->walk([&](Block *block) {
      SmallVector<Operation *> run;
      auto flush = [&] {
        if (run.size() > 1)
          runs.push_back(run);
        run.clear();
      };
      for (Operation &op : *block) {
        if (isProgram(&op)) {
          bool extends = !run.empty() && logitsOf(run.front()) == logitsOf(&op) &&
                         isa<TransformOp>(run.back());
          if (!extends)
            flush();
          run.push_back(&op);
          continue;
        }
        // Anything else that touches the buffer (directly or inside its
        // regions) ends the run: the programs cannot move past it.
        if (!run.empty()) {
          Value buffer = logitsOf(run.front());
          bool touches = llvm::any_of(buffer.getUsers(), [&](Operation *user) {
            return op.isAncestor(user);
          });
          if (touches)
            flush();
        }
      }
      flush();
    });
    for (auto &run : runs)
      merge(run);
  }
};

} // namespace
