"""Clinical discharge summaries (NOTE): a seeded synthetic EHR whose facts are known, reference summaries built from
those facts, preference pairs with labelled faults, exact faithfulness metrics, and the recipe (SFT then DPO)."""
