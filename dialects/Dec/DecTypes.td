//===- DecTypes.td - types of the dec dialect ---------------*- tablegen -*-===//

#ifndef DEC_DIALECT_DEC_DECTYPES_TD
#define DEC_DIALECT_DEC_DECTYPES_TD

include "dialects/Dec/DecDialect.td"

def Dec_TextType : Dec_Type<"Text", "text"> {
  let summary = "Text owned by the runtime";
  let description = [{
    A handle to UTF-8 text that lives in the runtime for the duration of one
    call of an entry point: the prompt an entry receives and the text it
    returns. Compiled code never looks inside it.
  }];
}

def Dec_SequenceType : Dec_Type<"Sequence", "sequence"> {
  let summary = "A sequence being generated";
  let description = [{
    A handle to one sequence in the runtime: its tokens (prompt and generated),
    the model state (KV cache) behind it, its stop-string and banned-string
    matchers, its random seed and the text emitted so far.
  }];
}

#endif // DEC_DIALECT_DEC_DECTYPES_TD
