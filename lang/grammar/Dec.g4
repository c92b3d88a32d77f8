// Dec.g4 — the grammar of the dec language (see docs/language.md for the reference).
//
// The C++ lexer and parser are generated from this file at build time
// (lang/CMakeLists.txt); nothing generated is committed.
//
// Design notes:
//  * Expressions use one rule per precedence level with loops for left-associative binary
//    operators and a loop for prefix operators, so the generated parser recurses only
//    once per bracket nesting level (the front end bounds that depth before parsing).
//  * The grammar is deliberately more general than what Sema accepts today (arithmetic,
//    comparisons, indexing, member access): later versions add user-defined transforms
//    and schedules made of these, and Sema rejects what this version cannot compile.
//  * The lexer never fails: malformed input becomes ERROR_CHAR, BAD_NUMBER,
//    UNTERMINATED_STRING or UNTERMINATED_COMMENT tokens that the front end diagnoses
//    with its own messages.
//  * Words reserved for later versions form one RESERVED token; the front end reports
//    "'for' is reserved for a future version of dec" when one appears.
grammar Dec;

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

program : item* EOF ;

// The front end parses a file item by item (rule `item`), so that a syntax error skips
// only to the next top-level declaration.
item
    : importDecl
    | modelDecl
    | samplerDecl
    | constraintDecl
    | transformDecl
    | decodeDecl
    ;

importDecl     : IMPORT modulePath SEMI ;
modulePath     : word (DOT word)* ;
modelDecl      : MODEL IDENT ASSIGN expr SEMI ;
samplerDecl    : SAMPLER IDENT paramList? ASSIGN expr SEMI ;
constraintDecl : CONSTRAINT IDENT paramList? ASSIGN expr SEMI ;
decodeDecl     : DECODE IDENT paramList ARROW typeRef block ;
// `transform NAME(compile-time params)(logits: f32[V]) -> f32[V] { ... }`; with a single
// parameter list, it is the run-time one (a transform without compile-time parameters).
transformDecl  : TRANSFORM IDENT paramList paramList? ARROW typeRef block ;

paramList : LPAREN (param (COMMA param)* COMMA?)? RPAREN ;
param     : IDENT COLON typeRef (ASSIGN expr)? ;

// A type is a name with an optional shape: `f32`, `f32[V]`, `f32[L, V]`, `i32[8]`.
// The name is a `word` because several types are spelled like keywords (`sampler`,
// `constraint`, `model`, and the reserved `transform`); the front end rejects the other
// reserved words here.
typeRef   : word (LBRACK typeDim (COMMA typeDim)* RBRACK)? ;
typeDim   : IDENT | INT ;

block      : LBRACE stmt* RBRACE ;
stmt       : letStmt | returnStmt | exprStmt ;
letStmt    : LET IDENT (COLON typeRef)? ASSIGN expr SEMI ;
returnStmt : RETURN expr SEMI ;
exprStmt   : expr SEMI ;

// Precedence, loosest first: || && | & (== !=) (< <= > >=) (+ -) (* / %) prefix postfix.
expr        : orExpr ;
orExpr      : andExpr (OROR andExpr)* ;
andExpr     : pipeExpr (ANDAND pipeExpr)* ;
pipeExpr    : conjExpr (PIPE conjExpr)* ;
conjExpr    : eqExpr (AMP eqExpr)* ;
eqExpr      : relExpr ((EQ | NE) relExpr)* ;
relExpr     : addExpr ((LT | LE | GT | GE) addExpr)* ;
addExpr     : mulExpr ((PLUS | MINUS) mulExpr)* ;
mulExpr     : unaryExpr ((STAR | SLASH | PERCENT) unaryExpr)* ;
unaryExpr   : (MINUS | BANG)* postfixExpr ;
postfixExpr : primary postfixOp* ;

postfixOp
    : LPAREN argList? RPAREN                      // call
    | LBRACK expr (COMMA expr)* COMMA? RBRACK     // indexing
    | DOT word                                    // member access
    ;

// Positional and named arguments may be written in any order here; Sema requires the
// positional ones first (a better message than a syntax error).
argList : arg (COMMA arg)* COMMA? ;
arg     : (word COLON)? expr ;

// Where only a name can appear, keywords are names too: argument labels (`sampler: s`),
// module path segments (`import lib.model;`) and member names.
word
    : IDENT | IMPORT | MODEL | SAMPLER | CONSTRAINT | TRANSFORM | DECODE | LET | RETURN | TRUE
    | FALSE | RESERVED
    ;

primary
    : INT
    | FLOAT
    | STRING
    | TRUE
    | FALSE
    | IDENT
    | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK  // list
    | LPAREN expr RPAREN
    ;

// ---------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------

IMPORT     : 'import' ;
MODEL      : 'model' ;
SAMPLER    : 'sampler' ;
CONSTRAINT : 'constraint' ;
TRANSFORM  : 'transform' ;
DECODE     : 'decode' ;
LET        : 'let' ;
RETURN     : 'return' ;
TRUE       : 'true' ;
FALSE      : 'false' ;

RESERVED
    : 'schedule' | 'fn' | 'for' | 'while' | 'loop' | 'if' | 'else' | 'in'
    | 'emit' | 'yield' | 'break' | 'continue' | 'match' | 'const' | 'type'
    ;

IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;

FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT   : DIGITS ;
// A number run into letters (`12abc`, `1.5f`, `1e`) or an exponent without digits (`1e+`).
BAD_NUMBER
    : DIGITS ('.' DIGITS)? EXPONENT? [a-zA-Z_] [a-zA-Z0-9_]*
    | DIGITS ('.' DIGITS)? [eE] [+-]
    ;

// Escapes are checked (and decoded) by the front end, which reports the exact column.
STRING              : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '\\'? ;

ARROW   : '->' ;
OROR    : '||' ;
ANDAND  : '&&' ;
PIPE    : '|' ;
AMP     : '&' ;
EQ      : '==' ;
NE      : '!=' ;
LE      : '<=' ;
GE      : '>=' ;
LT      : '<' ;
GT      : '>' ;
ASSIGN  : '=' ;
PLUS    : '+' ;
MINUS   : '-' ;
STAR    : '*' ;
SLASH   : '/' ;
PERCENT : '%' ;
BANG    : '!' ;
LPAREN  : '(' ;
RPAREN  : ')' ;
LBRACK  : '[' ;
RBRACK  : ']' ;
LBRACE  : '{' ;
RBRACE  : '}' ;
COLON   : ':' ;
SEMI    : ';' ;
COMMA   : ',' ;
DOT     : '.' ;

LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
// A block comment that runs to the end of the file (it never contains "*/").
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* ;

WS : [ \t\r\n\f\uFEFF]+ -> skip ;

// Anything else: one code point the language does not use.
ERROR_CHAR : . ;

fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
