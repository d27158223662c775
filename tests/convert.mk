# (rules for this part come with it)
