"""Domain Cookbook. Importing the package registers the cookbook's own peft methods (S2-LoRA, NeRA) with peft, so
`PeftModel.from_pretrained` can load their adapters."""

from cookbook.peft_methods import nera as _nera  # noqa: F401  (registration side effect)
from cookbook.peft_methods import s2lora as _s2lora  # noqa: F401  (registration side effect)
