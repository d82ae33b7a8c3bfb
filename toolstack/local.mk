# xl and its library (toolstack/).
