-- The write lock at once: replicas that start together migrate one by one.
BEGIN IMMEDIATE
