; Comments: scanned for `debuglens: ignore[...]` suppressions.
(comment) @comment
