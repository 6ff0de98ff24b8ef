""" "About me": what a consumer or carer wants the people who support them to know (what helps,
what upsets them, what they enjoy, how they like to be contacted, the words they prefer),
written by them alone, versioned and sealed, and shared only through their consent."""
