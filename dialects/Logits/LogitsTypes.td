//===- LogitsTypes.td - types of row programs ---------------*- tablegen -*-===//

#ifndef DEC_DIALECT_LOGITS_LOGITSTYPES_TD
#define DEC_DIALECT_LOGITS_LOGITSTYPES_TD

include "dialects/Logits/LogitsDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Logits_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Logits_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Logits_RowType : Logits_Type<"Row", "row"> {
  let summary = "One value per vocabulary entry of the current row";
  let description = [{
    A whole-vocabulary vector inside a row program (`logits.transform`,
    `logits.choose`): the program runs once per row of the batch and a
    `!logits.row<f32>` holds that row's value for every token. Row values are
    never stored: how they are computed (recomputed, fused into passes,
    compacted to candidates) is the lowering's choice.
  }];
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def Logits_IdsType : Logits_Type<"Ids", "ids"> {
  let summary = "A list of token ids of the current row";
  let description = [{
    Token ids the program reads (the sequence so far, banned ids, ...): a
    row of a `[batch, n]` i32 buffer, or one `[n]` list shared by all rows.
    -1 entries are padding; ids outside the vocabulary are ignored.
  }];
}

def Logits_BitsetType : Logits_Type<"Bitset", "bitset"> {
  let summary = "A per-row token bitset (ceil(vocab / 32) words)";
}

class Logits_RowOf<Type element> : Type<
    And<[CPred<"::llvm::isa<::mlir::logits::RowType>($_self)">,
         SubstLeaves<"$_self", "::llvm::cast<::mlir::logits::RowType>($_self).getElementType()",
                   element.predicate>]>,
    "row of " # element.summary, "::mlir::logits::RowType">;

def Logits_AnyRow : Type<CPred<"::llvm::isa<::mlir::logits::RowType>($_self)">, "row",
                         "::mlir::logits::RowType">;
def Logits_F32Row : Logits_RowOf<F32>;
def Logits_I32Row : Logits_RowOf<I32>;
def Logits_I1Row : Logits_RowOf<I1>;

#endif // DEC_DIALECT_LOGITS_LOGITSTYPES_TD
