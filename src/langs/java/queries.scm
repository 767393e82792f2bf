; Comments: scanned for `debuglens: ignore[...]` suppressions.
(line_comment) @comment
(block_comment) @comment
