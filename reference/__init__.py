"""PyTorch reference solutions of every task: what the grader compares learners against."""
