"""Small building blocks shared by every package: errors, atomic files, JSON logging."""
