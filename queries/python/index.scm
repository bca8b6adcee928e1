; The node kinds `semantic::Index` collects in its one pass over a Python tree, and what each
; is (the capture name). One `(kind) @capture` per line; kinds are checked against the grammar
; when djsec starts (and by a unit test).

(call) @call
(function_definition) @function
(class_definition) @class
(import_statement) @import
(import_from_statement) @import
(assignment) @assignment
(augmented_assignment) @assignment
(with_item) @with_item
(for_statement) @for
(lambda) @lambda
(named_expression) @walrus
(return_statement) @return
(block) @block
(list_comprehension) @comprehension
(set_comprehension) @comprehension
(dictionary_comprehension) @comprehension
(generator_expression) @comprehension
(if_statement) @guard
(elif_clause) @guard
(assert_statement) @guard
(conditional_expression) @guard
