; One pass over a Python tree collects every node the rules look at.
; The capture name says what the node is; `semantic::Index` groups them.

(call) @call
(function_definition) @function
(class_definition) @class
(import_statement) @import
(import_from_statement) @import
(assignment) @assignment
(augmented_assignment) @assignment
(with_item) @with_item
(comment) @comment
