import ArgumentParser
import Foundation
import LabeilleBench

let runnerSubcommands: [ParsableCommand.Type] = []
