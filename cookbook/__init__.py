"""Domain Cookbook. Importing the package registers the cookbook's own peft methods (S2-LoRA, NeRA, the sequence
adapters, GIFT-SW, SCT, APT) with peft, so `PeftModel.from_pretrained` can load their adapters."""

from cookbook.peft_methods import nera as _nera  # noqa: F401  (registration side effect)
from cookbook.peft_methods import s2lora as _s2lora  # noqa: F401  (registration side effect)
from cookbook.peft_methods import seq_adapters as _seq_adapters  # noqa: F401  (registration side effect)
