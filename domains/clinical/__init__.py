"""Clinical discharge summaries (NOTE): a seeded synthetic EHR whose facts are known, reference summaries built from
those facts, preference pairs with labelled faults, and exact faithfulness metrics; no recipe yet."""
