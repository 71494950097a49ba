"""Hand-written content of the sample dataset: questions (with paraphrases) and answers.

Kept apart from generate.py so the text is easy to review and extend. Facts about the product
(presets, stages, failure categories, billing) match what the product does.
"""

from __future__ import annotations

SYSTEM_PROMPTS: tuple[str, ...] = (
    "You are the LoRA Pipeline assistant. Answer questions about fine-tuning jobs clearly and "
    "briefly.",
    "You help an ML team run LoRA fine-tunes on rented GPUs. Be concrete and practical.",
    "You are a support engineer for LoRA Pipeline, a tool for running and watching LoRA "
    "fine-tuning jobs.",
    "Answer as an experienced ML engineer who has run many LoRA fine-tunes.",
)

# name, memory GB, spot $/h, on-demand $/h (the catalog the product ships with).
GPUS: tuple[tuple[str, int, float, float], ...] = (
    ("H100", 80, 2.49, 4.49),
    ("H200", 141, 3.19, 5.49),
    ("A100 80GB", 80, 1.29, 2.29),
    ("L40S", 48, 0.79, 1.49),
    ("A10G", 24, 0.45, 1.01),
)

# name, hidden size, layers, total parameters.
MODELS: tuple[tuple[str, int, int, int], ...] = (
    ("SmolLM2-135M", 576, 30, 134_515_008),
    ("SmolLM2-1.7B", 2048, 24, 1_711_376_384),
    ("Llama 3.1 8B", 4096, 32, 8_030_261_248),
    ("Mistral 7B", 4096, 32, 7_248_023_552),
    ("Qwen2.5 7B", 3584, 28, 7_615_616_512),
)

# (paraphrases of one question, the answer)
QA: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "What is LoRA, in one paragraph?",
            "Can you explain what LoRA fine-tuning actually does?",
            "How is LoRA different from full fine-tuning?",
        ),
        "LoRA freezes the base model and learns a low-rank update for chosen weight matrices: "
        "each adapted matrix W gets W + (alpha / r)·B·A, where A and B are thin matrices of rank "
        "r. Only A and B are trained, usually well under 1% of the parameters, so training needs "
        "far less memory and the result is a small adapter file you load on top of the base "
        "model.",
    ),
    (
        (
            "Which LoRA rank should I start with?",
            "How do I choose lora_r?",
            "Is rank 8 enough or should I use 64?",
        ),
        "Start with r = 16 for chat fine-tunes; it is the Balanced preset. Use 8 when the data "
        "is small or you only adjust tone and format, and 32-64 when the model must learn a lot "
        "of new domain knowledge. Higher rank costs little compute but overfits small datasets "
        "sooner, so watch the validation loss.",
    ),
    (
        (
            "What does lora_alpha do?",
            "How should I set alpha relative to the rank?",
        ),
        "Alpha scales the adapter's update by alpha / r. The usual choice is alpha = 2r "
        "(r 16, alpha 32), which keeps the update size similar when you change the rank. "
        "Raising alpha acts much like raising the learning rate for the adapter.",
    ),
    (
        (
            "Should I use LoRA dropout?",
            "What is a good lora_dropout value?",
        ),
        "A dropout of 0.05 is a good default. Raise it to 0.1 when the validation loss starts "
        "climbing early on a small dataset; set it to 0 for very large datasets where "
        "overfitting is not a concern and you want every bit of signal.",
    ),
    (
        (
            "Which modules should LoRA target?",
            "Is q_proj and v_proj enough, or should I adapt the MLP too?",
            "What are target_modules and what should I put there?",
        ),
        "target_modules names the linear layers that get adapters. q_proj, k_proj, v_proj and "
        "o_proj (all attention projections) is the default and works well for style and format. "
        "Adding gate_proj, up_proj and down_proj (the MLP) roughly triples the adapter size and "
        "helps when the model must absorb new knowledge.",
    ),
    (
        (
            "What learning rate should I use for LoRA?",
            "Is 2e-4 a sensible LoRA learning rate?",
            "My learning rate is 1e-5, is that too low for LoRA?",
        ),
        "LoRA tolerates higher learning rates than full fine-tuning: 1e-4 to 3e-4 is typical, "
        "and 2e-4 is the Balanced preset. 1e-5 is usually too low for an adapter; the loss "
        "will barely move. Go lower (1e-4, Conservative) for small datasets or when you see "
        "loss spikes.",
    ),
    (
        (
            "Why do we use warmup?",
            "What does warmup_ratio control?",
        ),
        "warmup_ratio is the fraction of steps during which the learning rate ramps up from "
        "zero. A short warmup (3-5%) stops the first, noisy updates from knocking the adapter "
        "into a bad region, which shows up as an early loss spike without it.",
    ),
    (
        (
            "Cosine or linear learning-rate schedule?",
            "Which lr_scheduler should I pick?",
        ),
        "Both work. Cosine keeps the rate high for longer and decays smoothly at the end, which "
        "usually gives a slightly lower final loss; it is the default. Linear is easier to "
        "reason about when you compare runs of different lengths.",
    ),
    (
        (
            "How many epochs should a LoRA fine-tune run?",
            "Is 3 epochs too many?",
            "When should I train for more epochs?",
        ),
        "For a few thousand chat examples, 2-3 epochs is typical. More epochs help only while "
        "the validation loss keeps falling; once it rises while the train loss keeps dropping "
        "the model is memorising. Large datasets (100k+ examples) often need just one epoch.",
    ),
    (
        (
            "My validation loss is going up while training loss goes down. What is happening?",
            "Val loss rising after epoch 2, train loss still falling. Overfitting?",
        ),
        "Yes, that is overfitting: the adapter is memorising the training set. Use the "
        "checkpoint from before the validation loss turned, and for the next run lower the "
        "epochs, lower the rank or learning rate, raise lora_dropout, or add more varied data.",
    ),
    (
        (
            "The loss curve is flat from the start. What should I check?",
            "Why isn't my loss decreasing at all?",
        ),
        "Check three things: the learning rate (too low, e.g. 1e-6, barely moves an adapter), "
        "the targets (if every assistant turn was truncated away there is little to learn), "
        "and the data (answers that are near-identical give a flat curve quickly). The event "
        "log reports truncated and dropped examples after preprocessing.",
    ),
    (
        (
            "I see sudden spikes in my training loss. Is the run broken?",
            "What causes loss spikes in the middle of training?",
        ),
        "Occasional spikes that recover within a few steps are usually a batch of unusual "
        "examples and are harmless. Repeated or growing spikes point to a learning rate that is "
        "too high: lower it, keep gradient clipping at 1.0, and make sure warmup is not zero.",
    ),
    (
        (
            "My job failed with nan_loss. What do I do?",
            "What does the 'Loss became NaN' failure mean?",
        ),
        "The loss became NaN or infinite, so training stopped instead of wasting GPU time. The "
        "usual fixes are a lower learning rate, gradient clipping (max_grad_norm 1.0), and a "
        "non-zero warmup. The failure panel shows the step where it happened; check the "
        "learning-rate and grad-norm charts just before it.",
    ),
    (
        (
            "The job failed with out_of_memory. How do I fix it?",
            "CUDA out of memory during training, what settings should I change?",
        ),
        "Reduce memory per step: halve batch_size and double grad_accum_steps (same effective "
        "batch), lower max_seq_len if your conversations allow it, or choose a GPU with more "
        "memory. The GPU memory chart of earlier runs shows how close you were to the limit.",
    ),
    (
        (
            "What does invalid_dataset mean on a failed job?",
            "My job failed in Preprocessing with an invalid dataset error.",
        ),
        "The worker found a problem the upload check could not see, for example conversations "
        "whose assistant reply falls entirely past max_seq_len, so nothing is left to train on. "
        "The error names the line where possible. Fix the file (or raise max_seq_len) and "
        "submit a new job; nothing was billed beyond preprocessing.",
    ),
    (
        (
            "What format does the training dataset need?",
            "How should my JSONL file look?",
            "Which dataset formats are supported?",
        ),
        'JSONL, one example per line. Chat: {"messages": [{"role": "system", "content": '
        '...}, {"role": "user", ...}, {"role": "assistant", ...}]}. Or completion pairs: '
        '{"prompt": ..., "completion": ...}. Don\'t mix the two in one file. Every '
        "conversation needs at least one non-empty assistant message.",
    ),
    (
        (
            "Is the loss computed on the user messages too?",
            "Which tokens does the model learn from?",
        ),
        "Only on assistant tokens (or the completion, for prompt/completion data), plus the "
        "end-of-turn token so the model learns to stop. System and user text is context: the "
        "model reads it but is not trained to produce it.",
    ),
    (
        (
            "How is the validation set chosen?",
            "Do I need to upload a separate validation file?",
        ),
        "You don't have to. By default 10% of the examples are held out with a fixed seed, so "
        "reruns use the same split. If you upload a separate validation file the whole "
        "training file is used for training and validation loss is measured on yours.",
    ),
    (
        (
            "What happens to conversations longer than max_seq_len?",
            "Does the trainer drop or truncate long examples?",
        ),
        "They are truncated to max_seq_len tokens. If truncation removes every assistant token "
        "the example is dropped, since nothing in it can be learned. Preprocessing reports how "
        "many examples were truncated and dropped in the event log.",
    ),
    (
        (
            "What is sequence packing?",
            "Why does my job show a padding efficiency number?",
        ),
        "Packing places several short examples in one row of max_seq_len tokens instead of "
        "padding each to full length, with attention kept inside each example. Less padding "
        "means less wasted compute; the padding efficiency figure is the share of computed "
        "tokens that are real data.",
    ),
    (
        (
            "How many examples do I need for a useful LoRA fine-tune?",
            "Is 300 conversations enough data?",
        ),
        "A few hundred high-quality conversations are enough to teach tone, format and a narrow "
        "task. Teaching broad new knowledge takes thousands. Quality matters more than count: "
        "consistent, correct answers beat a larger noisy set.",
    ),
    (
        (
            "What do the four stages of a job mean?",
            "What happens during Preprocessing, Model Loading, Training and Finalization?",
        ),
        "Preprocessing validates and tokenizes the dataset and counts steps. Model Loading "
        "fetches the base model and wraps it with LoRA adapters. Training runs the optimizer "
        "steps, evaluates and writes checkpoints. Finalization saves and uploads the adapter.",
    ),
    (
        (
            "Why is my job still queued?",
            "My job has been queued for a while. When will it start?",
        ),
        "At most three jobs run at once by default; yours waits in FIFO order until a slot "
        "frees. The queue view shows its position and an estimated start time, computed from "
        "when the running jobs are expected to finish. Queued time is not billed.",
    ),
    (
        (
            "Can I move my job to the front of the queue?",
            "How do I change the queue order?",
        ),
        "Managers can move a queued job to the front from the queue view. Members can remove "
        "their own queued jobs. Jobs that are already provisioning or running are not affected "
        "by the order.",
    ),
    (
        (
            "How do I cancel a running job?",
            "What happens when I press Cancel?",
        ),
        "Open the job and press Cancel, then pick a reason. A queued job is cancelled at once. "
        "A running job shows Cancelling until the worker stops at its next step; billing stops "
        "then. Checkpoints written so far stay downloadable.",
    ),
    (
        (
            "What does 'recovering' mean on a job?",
            "My job went back to the queue by itself. Why?",
        ),
        "The worker running it stopped reporting, for example because the GPU host was "
        "preempted. The job goes back to the queue with its priority kept and resumes from its "
        "last checkpoint on the next attempt. After three lost attempts it fails as "
        "worker_lost.",
    ),
    (
        (
            "How often are checkpoints saved?",
            "What is checkpoint_every for?",
        ),
        "Every checkpoint_every steps (100 by default) the worker saves the adapter, optimizer "
        "and scheduler state and the data position. If the worker is lost, the next attempt "
        "resumes from there, so you lose at most that many steps.",
    ),
    (
        (
            "Spot or on-demand: which should I choose?",
            "Is spot pricing worth the risk?",
        ),
        "Spot is roughly half the price, but the provider can reclaim the GPU. Because jobs "
        "checkpoint and resume automatically, spot is a good default for long runs; choose "
        "on-demand when a deadline matters more than cost.",
    ),
    (
        (
            "How is the cost of a job calculated?",
            "What am I billed for?",
        ),
        "Cost = billed seconds x the hourly rate snapshotted when the job was created. Billed "
        "time covers provisioning and running; queued time is free. The job page shows spend "
        "so far, the percentage of the estimate, and a projected final cost.",
    ),
    (
        (
            "Why is there a cost warning on my job?",
            "The dashboard says spend exceeded the estimate.",
        ),
        "The job has spent more than its upper estimate, usually because the real step rate is "
        "slower than assumed (long conversations, a busy host). Check tokens per second; "
        "cancel if the result is not worth the projected cost.",
    ),
    (
        (
            "How accurate is the cost estimate before launch?",
            "Where does the duration estimate come from?",
        ),
        "It counts tokens from the dataset's characters with the model's tokenizer ratio, "
        "multiplies by epochs, and divides by a throughput for the chosen GPU and model size. "
        "It shows a ±15% range. After a few logging steps the measured rate takes over.",
    ),
    (
        (
            "GPU utilization is only 40%. Why?",
            "How do I make better use of the GPU?",
        ),
        "Low utilization usually means the batches are too small to keep the GPU busy. Raise "
        "batch_size (and lower grad_accum_steps to keep the effective batch), and use longer "
        "max_seq_len with packing. Very small models are simply limited by kernel launch "
        "overhead.",
    ),
    (
        (
            "Why does the job show GPU metrics as empty?",
            "GPU utilization is missing on my job's charts.",
        ),
        "GPU utilization and memory come from NVML on the worker's host. On a CPU-only host "
        "(like the local demo) there is no GPU to measure, so the values stay empty rather than "
        "being made up.",
    ),
    (
        (
            "What does gradient clipping do?",
            "Should I change max_grad_norm?",
        ),
        "It rescales the gradient whenever its norm exceeds max_grad_norm, so one bad batch "
        "cannot make a huge update. 1.0 is a safe default; lower it if the grad-norm chart "
        "shows frequent large spikes.",
    ),
    (
        (
            "Does bf16 change the results?",
            "Is mixed precision used during training?",
        ),
        "On GPUs that support it the forward pass runs in bf16 autocast, which roughly halves "
        "activation memory and speeds up matmuls. The LoRA weights and optimizer state stay in "
        "fp32, so the results match fp32 training closely.",
    ),
    (
        (
            "How do I use the adapter after training?",
            "Where is the trained adapter?",
        ),
        "When the job completes, download the adapter from the job page or the API. Load the "
        "same base model and apply it with PEFT (PeftModel.from_pretrained), or merge it into "
        "the base weights for serving without the PEFT runtime.",
    ),
    (
        (
            "Which base models can I fine-tune?",
            "Can I use a model from the Hugging Face hub?",
        ),
        "Any causal language model on the hub or in a local path works, for example "
        "meta-llama/Llama-3.1-8B-Instruct or Qwen/Qwen2.5-7B-Instruct. Two presets ship for "
        "testing: tiny-random-llama (a few hundred thousand parameters) and "
        "smollm2-135m-instruct.",
    ),
    (
        (
            "What are the Conservative, Balanced and Aggressive presets?",
            "Which hyperparameter preset should I choose?",
        ),
        "Conservative: 2 epochs, learning rate 1e-4, rank 8, the least risk. Balanced: 3 "
        "epochs, 2e-4, rank 16, good for most chat fine-tunes. Aggressive: 4 epochs, 5e-4, "
        "rank 32, learns fast but watch for overfitting. Custom lets you set every value.",
    ),
    (
        (
            "How do I submit a job from a script?",
            "Is there an API for creating jobs?",
        ),
        "Yes. Get a token with POST /api/auth/token, upload your file with POST "
        "/api/training/datasets, then POST /api/training/jobs with the dataset id, base model, "
        "preset and GPU type. Poll GET /api/training/jobs/{id} and its /metrics. The full "
        "reference is at /api/docs/.",
    ),
    (
        (
            "How do I compare two runs?",
            "Which metrics matter when comparing fine-tunes?",
        ),
        "Compare validation loss at the same number of training tokens, not the same step, if "
        "batch sizes differ. Then look at the final validation loss, the cost, and a small set "
        "of real prompts evaluated with each adapter.",
    ),
    (
        (
            "What does the grad norm chart tell me?",
            "Is a rising gradient norm a problem?",
        ),
        "It shows how large the updates want to be. A norm that settles after warmup is "
        "healthy. A steady climb or repeated spikes often come before a loss spike or NaN, and "
        "suggest lowering the learning rate.",
    ),
    (
        (
            "Can several jobs share one GPU?",
            "Why does each worker use only one GPU?",
        ),
        "No: each worker process owns one GPU and runs one job at a time, which keeps memory "
        "predictable and a crash contained. To run more jobs at once, add GPUs or hosts and "
        "raise the concurrency limit.",
    ),
    (
        (
            "How do I add another GPU machine?",
            "Can workers run on a different host than the API?",
        ),
        "Yes. Start a worker on the new host pointed at the same Redis and at the API URL; it "
        "needs no database access. Each GPU gets its own worker process. Raise the concurrency "
        "limit in admin if you want more jobs to run at once.",
    ),
    (
        (
            "What is the event log for?",
            "Where can I see what the worker did?",
        ),
        "The event log on the job page lists every status change, stage transition, checkpoint, "
        "warning and error with a timestamp. It refreshes every ten seconds while the job runs "
        "and can be exported for a bug report.",
    ),
    (
        (
            "Does a larger batch size need a higher learning rate?",
            "I doubled the batch size. Should I change the learning rate?",
        ),
        "Somewhat. With a larger effective batch the gradient is less noisy, so you can afford "
        "a slightly higher rate; a square-root rule (x1.4 for double the batch) is a reasonable "
        "start. Compare the first few hundred steps of validation loss before committing.",
    ),
    (
        (
            "Should I use weight decay with LoRA?",
            "Is weight_decay needed?",
        ),
        "Usually not. The adapter has few parameters and starts at zero update, so weight "
        "decay matters little; 0.0 is the default. Try 0.01 only if a long run overfits and "
        "dropout did not help.",
    ),
    (
        (
            "How long does the tiny demo model take to train?",
            "What is tiny-random-llama for?",
        ),
        "tiny-random-llama is a randomly initialised Llama with a few hundred thousand "
        "parameters and a byte-level tokenizer. It trains in seconds to minutes on a CPU, so "
        "tests and the local demo show real training without a GPU. Its answers are gibberish.",
    ),
    (
        (
            "Why did my job's estimated start time change?",
            "The queue ETA keeps moving. Why?",
        ),
        "The estimate simulates the slots: each running job frees its slot at its estimated "
        "finish, and each queued job takes the earliest free slot in order. When a running "
        "job speeds up, slows down, finishes or is cancelled, the estimates shift.",
    ),
    (
        (
            "Can I delete an old job?",
            "How do I clean up finished jobs?",
        ),
        "Completed, failed and cancelled jobs can be deleted by their creator or a manager, "
        "with their metrics, events, checkpoints and adapter. Running jobs must be cancelled "
        "first.",
    ),
)

# (index into QA of the first question, follow-up question, follow-up answer)
FOLLOW_UPS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "And if my validation loss rises with rank 32?",
        "Go back to 16 or 8, or keep 32 and stop at the earlier checkpoint. Rising validation "
        "loss with higher rank means the extra capacity is memorising the training set.",
    ),
    (
        5,
        "What if I see a loss spike at 3e-4?",
        "Drop to 2e-4 or 1e-4 and make sure warmup is 3-5% of steps. If spikes only appear "
        "late, keep the rate and lower max_grad_norm instead.",
    ),
    (
        9,
        "Which checkpoint should I keep then?",
        "The one closest to the lowest validation loss. With checkpoint_every 100 and "
        "eval_every 50 you can pick the checkpoint right before the curve turned.",
    ),
    (
        13,
        "Can I just pick a bigger GPU instead?",
        "Yes: an 80 GB card removes most memory pressure for 7-8B models with LoRA. Compare the "
        "hourly price with the cost of a smaller batch, which makes each step slower.",
    ),
    (
        16,
        "So the system prompt does not count for the loss at all?",
        "Right. The system prompt shapes the context for every assistant token, but the model "
        "is never asked to generate it, so it adds no loss.",
    ),
    (
        22,
        "Is queued time billed?",
        "No. Billing starts at provisioning, when a GPU is assigned, and stops when the job "
        "ends or the worker stops after a cancel.",
    ),
    (
        24,
        "Do I keep the checkpoints after cancelling?",
        "Yes. Every checkpoint written before the cancel stays listed on the job page and can "
        "be downloaded and resumed from in a new job.",
    ),
    (
        25,
        "Will it resume on a different machine?",
        "Yes. Checkpoints are uploaded through the API, so the next attempt can run on any "
        "worker host and continue at the saved step with the same data order.",
    ),
    (
        27,
        "What if my spot instance is reclaimed near the end?",
        "The job resumes from its last checkpoint on the next attempt, so you lose at most "
        "checkpoint_every steps. For a hard deadline, switch the retry to on-demand.",
    ),
    (
        28,
        "Does cancelling stop the billing immediately?",
        "Billing stops when the worker actually stops, normally within one training step of "
        "the cancel request. The job shows Cancelling until then.",
    ),
    (
        31,
        "Would a bigger model use the GPU better?",
        "Yes. Larger models do more work per kernel, so utilization climbs naturally. For a "
        "tiny model the GPU mostly waits on launch overhead whatever the batch.",
    ),
    (
        35,
        "Can I serve several adapters on one base model?",
        "Yes. PEFT can load multiple adapters on one base model and switch per request, which "
        "saves memory compared to merging each into its own copy.",
    ),
    (
        36,
        "Does the hub model need a login?",
        "Gated models such as Llama need an access token on the worker host (HF_TOKEN). Open "
        "models download without one. Worker hosts cache downloaded weights between jobs.",
    ),
    (
        37,
        "Which preset for a 500-example support dataset?",
        "Start with Conservative or Balanced. With 500 examples Aggressive tends to overfit "
        "within two epochs; watch the validation loss after the first epoch.",
    ),
    (
        38,
        "How do I authenticate the requests?",
        "Send the token in the Authorization header: Authorization: Token <key>. The token is "
        "personal; jobs you create with it are owned by you.",
    ),
    (
        41,
        "Do I have to restart anything after raising the limit?",
        "No. The concurrency limit is read by the scheduler on every round, so queued jobs "
        "start as soon as there are workers free to take them.",
    ),
    (
        46,
        "Can I run the demo without a GPU at all?",
        "Yes. The demo jobs use tiny-random-llama on the CPU; the stages, metrics, events and "
        "checkpoints are all real, only the model is small.",
    ),
    (
        3,
        "And for a dataset of 50,000 examples?",
        "With that much data dropout matters less: 0 to 0.05 is fine. Check that validation "
        "loss still falls in the last epoch before adding regularisation.",
    ),
    (
        8,
        "And with 200,000 examples?",
        "One epoch is usually enough; a second rarely helps and doubles the cost. Evaluate "
        "every few hundred steps so you can stop early.",
    ),
    (
        19,
        "Does packing change the loss values?",
        "No. Each example only attends to itself and the loss is still averaged over assistant "
        "tokens, so the curve is comparable to an unpacked run, just cheaper.",
    ),
    (
        15,
        "Can I mix chat and prompt/completion lines?",
        "No. A file is either chat or prompt/completion; the upload check reports the first "
        "line that switches format. Convert one side before merging.",
    ),
    (
        29,
        "Can I set a budget limit?",
        "The dashboard warns as soon as spend passes the estimate. Cancel then if the projected "
        "final cost is more than the run is worth to you.",
    ),
)
